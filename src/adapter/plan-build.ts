// Builds the shared plan (src/adapter/config.ts) from the environment: validation and every
// derived plan. Runs in the loader VM at boot only; not part of the hot-path bundle.
import { buildConfig } from "../config/load";
import { nonPlainPaths } from "../config/plain";
import { schema } from "../config/schema";
import { buildHeaderPlan } from "../headers/policy";
import { POCKETBASE_DEFAULT_POOL } from "../pool/config";
import { poolSizeFromArgs } from "../pool/exhaustion";
import { buildPlan } from "../ratelimit/plan";
import { planEntries, type SharedPlan } from "./config";

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
