// The config and the plans derived from it, computed ONCE per process in the loader VM (boot) and
// shared with every request VM as one JSON string in $app.store(). A VM parses that string on its
// first use instead of re-reading and re-validating the environment and rebuilding each plan: a
// throwaway VM (PocketBase makes one per request when its pool is exhausted, see docs/performance.md)
// then pays one store read and one JSON.parse (~0.1 ms) instead of ~2-4 ms. JSON, not the object:
// a goja object belongs to the runtime that made it and must not be used from another one.
//
// This module is on the hot path (pb_ops/hot.js): it must not import the schema or the parsers,
// which only the loader VM needs (see src/adapter/plan-build.ts).
import type { Config } from "../config/schema";
import type { HeaderPlan } from "../headers/policy";
import type { Plan as RateLimitPlan } from "../ratelimit/plan";

export const SHARED_PLAN_KEY = "pbOps.plan";

/** Everything a request VM needs from the environment, as plain data. */
export interface SharedPlan {
  readonly config: Config;
  readonly headers: HeaderPlan;
  readonly rateLimit: RateLimitPlan;
  /** The --hooksPool this process runs with (read from its command line at boot). */
  readonly pool: { readonly size: number };
}

let cached: SharedPlan | undefined;

/** Boot (loader VM): keeps the plan for this VM and publishes it for every other one. */
export function publishSharedPlan(plan: SharedPlan, json: string): void {
  cached = plan;
  $app.store().set(SHARED_PLAN_KEY, json);
}

export function sharedPlan(): SharedPlan {
  if (!cached) {
    const json = $app.store().get(SHARED_PLAN_KEY) as string | undefined;
    // boot() runs at the top of pb_ops.pb.js before any handler can run, so this is a packaging
    // mistake (the library used without its registration file), not a runtime condition.
    if (typeof json !== "string") throw new Error("pb-ops: no shared plan in $app.store(); is pb_ops.pb.js in the hooks dir?");
    cached = JSON.parse(json) as SharedPlan;
  }
  return cached;
}

export function getConfig(): Config {
  return sharedPlan().config;
}
