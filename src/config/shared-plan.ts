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
import { FIRST_PART } from "./plan-parts";
import { nonPlainPaths } from "./plain";
import { schema, type Config } from "./schema";

/**
 * Which stages the request middleware runs, decided once at boot: a new VM reads this small part
 * instead of parsing the config and the rate limiter's plan to find out (src/adapter/pipeline.ts).
 */
export interface StagePlan {
  readonly adminGate: boolean;
  readonly headers: boolean;
  /** The CORS allowlist (PB_CORS_ORIGINS) when pb-ops enforces one, else null. */
  readonly cors: readonly string[] | null;
  readonly rateLimit: boolean;
  readonly lease: boolean;
  readonly accessLog: boolean;
  readonly metrics: boolean;
}

/** Everything a request VM needs from the environment, as plain data. */
export interface SharedPlan {
  readonly config: Config;
  readonly stages: StagePlan;
  /** The middleware bundle request VMs load, in pb_ops/ (see hotFileOf). */
  readonly hotFile: "hot.js" | "hot-lean.js";
  readonly headers: HeaderPlan;
  readonly rateLimit: RateLimitPlan;
  /** The --hooksPool this process runs with (read from its command line at boot). */
  readonly pool: { readonly size: number };
}

/**
 * The store entries of a plan: key suffix (after src/adapter/config.ts's prefix) -> JSON. Headers go
 * one entry per route class, and the config also one entry per section (`config.log`...): the
 * request path reads a section or two, and a new VM would otherwise parse all ~2 KB of it.
 */
function planEntries(plan: SharedPlan): Record<string, string> {
  const { classes, ...headerMeta } = plan.headers;
  const out: Record<string, string> = {
    config: JSON.stringify(plan.config),
    stages: JSON.stringify(plan.stages),
    headers: JSON.stringify(headerMeta),
    rateLimit: JSON.stringify(plan.rateLimit),
    pool: JSON.stringify(plan.pool),
  };
  for (const cls of Object.keys(classes) as RouteClass[]) out[`headers.${cls}`] = JSON.stringify(classes[cls]);
  for (const k of Object.keys(plan.config) as (keyof Config)[]) out[`config.${k}`] = JSON.stringify(plan.config[k]);
  // Spliced from the entries above, so each part is the very text of its own entry.
  out[FIRST_PART] = `{${firstParts(plan.stages)
    .map((name) => `${JSON.stringify(name)}:${out[name]}`)
    .join(",")}}`;
  return out;
}

/**
 * The parts a new VM's first request reads, for this stack: the stages, the pool size (the VM
 * counts itself), the log section (access line), the header meta and the API class's headers (a
 * throwaway VM's one request is most often an API call: a realtime client, a health check), the
 * admin section and the limiter's plan when those stages run. A new VM takes them with one store
 * read and one JSON.parse instead of one each (src/adapter/config.ts); every part stays published
 * on its own too, for what a VM reads later or for another route class.
 */
export function firstParts(stages: StagePlan): string[] {
  const names = ["stages", "pool", "config.log"];
  if (stages.headers) names.push("headers", "headers.api");
  if (stages.adminGate) names.push("config.admin");
  if (stages.rateLimit) names.push("rateLimit");
  return names;
}

/**
 * The middleware bundle request VMs load (in pb_ops/): hot-lean.js is built without the admin gate
 * and the rate limiter (build.mjs), so a new VM creates none of their functions when both are off.
 */
function hotFileOf(stages: StagePlan): "hot.js" | "hot-lean.js" {
  return stages.adminGate || stages.rateLimit ? "hot.js" : "hot-lean.js";
}

function stagePlanOf(config: Config, rateLimit: RateLimitPlan): StagePlan {
  return {
    adminGate: config.admin.path !== null || config.admin.allowIps !== null,
    headers: config.headers.enabled,
    cors: config.headers.corsOrigins,
    rateLimit: rateLimit.enabled,
    lease: config.lease.enabled,
    accessLog: config.log.access,
    metrics: config.metrics.enabled,
  };
}

/** Throws ConfigError for a bad PB_* value. Returns the plan and its store entries (JSON). */
export function buildSharedPlan(
  env: Record<string, string | undefined>,
  args: readonly string[],
): { plan: SharedPlan; entries: Record<string, string> } {
  const config = buildConfig(schema, env);
  const rateLimit = buildPlan(config.rateLimit);
  const stages = stagePlanOf(config, rateLimit);
  const plan: SharedPlan = {
    config,
    stages,
    hotFile: hotFileOf(stages),
    headers: buildHeaderPlan(config.headers),
    rateLimit,
    pool: { size: poolSizeFromArgs(args, POCKETBASE_DEFAULT_POOL) },
  };
  // A Set, Map, RegExp or function would not survive JSON: a developer error, caught at boot (and
  // by tests/config/shared-plan.test.ts for every documented example value).
  const bad = nonPlainPaths(plan);
  if (bad.length) throw new Error(`pb-ops: the shared plan holds values JSON cannot carry: ${bad.join(", ")}`);
  return { plan, entries: planEntries(plan) };
}
