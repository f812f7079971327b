// The config and the plans derived from it, computed ONCE per process in the loader VM (boot) and
// shared with every request VM as JSON strings in $app.store(). A VM parses a part on first use
// instead of re-reading and re-validating the environment and rebuilding each plan: a throwaway VM
// (PocketBase makes one per request when its pool is exhausted, see docs/performance.md) then pays
// a few store reads and small JSON.parse calls instead of ~2-4 ms. JSON, not objects: a goja object
// belongs to the runtime that made it and must not be used from another one.
//
// Parts, not one document: a parsed plan costs memory in every VM that holds it (~0.13 MB for the
// whole plan, measured with 200 pinned VMs), and a VM pinned by a realtime client only ever needs
// the API route class's headers. Each part is parsed the first time a VM asks for it.
//
// This module is on the hot path (pb_ops/hot.js): it must not import the schema or the parsers,
// which only the loader VM needs (see src/config/shared-plan.ts).
import type { Config } from "../config/schema";
import type { SharedPlan, StagePlan } from "../config/shared-plan";
import { FIRST_PART } from "../config/plan-parts";
import type { ClassHeaders, HeaderPlan } from "../headers/policy";
import type { RouteClass } from "../headers/route-class";
import type { Plan as RateLimitPlan } from "../ratelimit/plan";
import { STORE } from "./keys";
import { appStore } from "./store";

export type { SharedPlan } from "../config/shared-plan";

// Type-only imports above (and keys.ts, constants only): hot.js must not pull the schema. The
// plan's store entries are STORE.planPrefix + part name.
const KEY = STORE.planPrefix;

const parsed: Record<string, unknown> = {};
/** This VM has read the FIRST_PART entry (or is the loader VM, which parsed every part). */
let firstTaken = false;

/**
 * A new VM's first part read takes the FIRST_PART entry: every part its first request reads, in one
 * store read and one JSON.parse (each store read and each parse call costs microseconds in goja).
 */
function takeFirst(): void {
  firstTaken = true;
  const json = appStore().get(KEY + FIRST_PART) as string | undefined;
  if (typeof json !== "string") return;
  const first = JSON.parse(json) as Record<string, unknown>;
  for (const name in first) if (parsed[name] === undefined) parsed[name] = first[name];
}

function part<T>(name: string): T {
  let v = parsed[name];
  if (v === undefined && !firstTaken) {
    takeFirst();
    v = parsed[name];
  }
  if (v === undefined) {
    const json = appStore().get(KEY + name) as string | undefined;
    // boot() runs at the top of pb_ops.pb.js before any handler can run, so this is a packaging
    // mistake (the library used without its registration file), not a runtime condition.
    if (typeof json !== "string")
      throw new Error(`pb-ops: no shared plan (${KEY + name}) in $app.store(); is pb_ops.pb.js in the hooks dir?`);
    v = parsed[name] = JSON.parse(json);
  }
  return v as T;
}

/**
 * Boot (loader VM): publishes the plan's parts for every VM, and keeps them for this one as the other
 * VMs will read them (parsed from the same JSON, so the parts' layout lives in planEntries alone).
 */
export function publishSharedPlan(plan: SharedPlan, entries: Record<string, string>): void {
  const store = appStore();
  for (const name of Object.keys(entries)) {
    store.set(KEY + name, entries[name]);
    if (name !== FIRST_PART) parsed[name] = JSON.parse(entries[name]!);
  }
  firstTaken = true;
  // Read by the hook file's handlers (a plain string: they require it before any pb-ops code runs).
  store.set(STORE.hotFile, plan.hotFile);
}

/** The whole config: for boot, serve-time set-up and the library's routes, not the request path. */
export function getConfig(): Config {
  return part<Config>("config");
}

/**
 * One section of the config, for the request path: a new VM parses the few hundred bytes of the
 * section it reads, not the whole config. Taken from the whole config when this VM has it already.
 */
export function configSection<K extends keyof Config>(k: K): Config[K] {
  const whole = parsed.config as Config | undefined;
  return whole ? whole[k] : part<Config[K]>(`config.${k}`);
}

/** Which stages the request middleware runs (decided at boot). */
export function stagePlan(): StagePlan {
  return part<StagePlan>("stages");
}

export function rateLimitPlan(): RateLimitPlan {
  return part<RateLimitPlan>("rateLimit");
}

export function headerPlanMeta(): Omit<HeaderPlan, "classes"> {
  return part<Omit<HeaderPlan, "classes">>("headers");
}

export function headerClass(cls: RouteClass): ClassHeaders {
  return part<ClassHeaders>(`headers.${cls}`);
}

export function poolSize(): number {
  return part<{ size: number }>("pool").size;
}
