// The shared plan: the validated config and every plan derived from it, built once per process in
// the loader VM at boot and handed to request VMs as JSON store entries (src/adapter/config.ts
// reads them). Pure: takes the environment and PocketBase's command line.
import type { HeaderPlan } from "../headers/policy";
import { buildHeaderPlan } from "../headers/policy";
import type { RouteClass } from "../headers/route-class";
import { POCKETBASE_DEFAULT_POOL } from "../pool/config";
import { poolSizeFromArgs } from "../pool/exhaustion";
import { buildPlan, type Plan as RateLimitPlan } from "../ratelimit/plan";
import { buildConfig } from "./load";
import { nonPlainPaths } from "./plain";
import { schema, type Config } from "./schema";

/** Everything a request VM needs from the environment, as plain data. */
export interface SharedPlan {
  readonly config: Config;
  readonly headers: HeaderPlan;
  readonly rateLimit: RateLimitPlan;
  /** The --hooksPool this process runs with (read from its command line at boot). */
  readonly pool: { readonly size: number };
}

/** The store entries of a plan: key suffix (after src/adapter/config.ts's prefix) -> JSON. Headers go one entry per route class. */
export function planEntries(plan: SharedPlan): Record<string, string> {
  const { classes, ...headerMeta } = plan.headers;
  const out: Record<string, string> = {
    config: JSON.stringify(plan.config),
    headers: JSON.stringify(headerMeta),
    rateLimit: JSON.stringify(plan.rateLimit),
    pool: JSON.stringify(plan.pool),
  };
  for (const cls of Object.keys(classes) as RouteClass[]) out[`headers.${cls}`] = JSON.stringify(classes[cls]);
  return out;
}

/** Throws ConfigError for a bad PB_* value. Returns the plan and its store entries (JSON). */
export function buildSharedPlan(env: Record<string, string | undefined>, args: readonly string[]): { plan: SharedPlan; entries: Record<string, string> } {
  const config = buildConfig(schema, env);
  const plan: SharedPlan = {
    config,
    headers: buildHeaderPlan(config.headers),
    rateLimit: buildPlan(config.rateLimit),
    pool: { size: poolSizeFromArgs(args, POCKETBASE_DEFAULT_POOL) },
  };
  // A Set, Map, RegExp or function would not survive JSON: a developer error, caught at boot (and
  // by tests/shared-plan.test.ts for every documented example value).
  const bad = nonPlainPaths(plan);
  if (bad.length) throw new Error(`pb-ops: the shared plan holds values JSON cannot carry: ${bad.join(", ")}`);
  return { plan, entries: planEntries(plan) };
}
