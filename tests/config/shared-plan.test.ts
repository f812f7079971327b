// The config and plans cross from the loader VM to every request VM as JSON (src/adapter/config.ts):
// whatever any documented value parses to must survive JSON unchanged in meaning.
import { describe, expect, it } from "vitest";
import { buildSharedPlan, firstParts } from "../../src/config/shared-plan";
import { FIRST_PART } from "../../src/config/plan-parts";
import { allVars } from "../../src/config/load";
import { nonPlainPaths } from "../../src/config/plain";
import { schema } from "../../src/config/schema";
import { FULL_STACK_ENV } from "../../bench/full-stack";

const envs: [string, Record<string, string>][] = [
  ["defaults", {}],
  ["the benchmark's full stack", FULL_STACK_ENV],
  // Every variable at its documented example value (secrets included: the plan never leaves the process).
  ...allVars(schema).map((v): [string, Record<string, string>] => [`${v.name}=${v.example}`, { [v.name]: v.example }]),
];

describe("shared plan", () => {
  it.each(envs)("%s: the plan is plain data and each store entry parses back to its part", (_name, env) => {
    const { plan, entries } = buildSharedPlan(env, []);
    expect(nonPlainPaths(plan)).toEqual([]);
    const back = (k: string) => JSON.parse(entries[k]!);
    expect(back("config")).toEqual(JSON.parse(JSON.stringify(plan.config)));
    expect(back("rateLimit")).toEqual(JSON.parse(JSON.stringify(plan.rateLimit)));
    for (const cls of Object.keys(plan.headers.classes))
      expect(back(`headers.${cls}`)).toEqual(plan.headers.classes[cls as keyof typeof plan.headers.classes]);
    expect(back("headers")).toEqual({ enabled: plan.headers.enabled, httpsMatters: plan.headers.httpsMatters });
  });

  it.each(envs)("%s: the first-request entry holds exactly the stack's first parts, each equal to its own entry", (_name, env) => {
    const { plan, entries } = buildSharedPlan(env, []);
    const first = JSON.parse(entries[FIRST_PART]!) as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual([...firstParts(plan.stages)].sort());
    for (const name of Object.keys(first)) expect(first[name], name).toEqual(JSON.parse(entries[name]!));
  });

  it("a first-request entry names the parts of the stages that run, and only those", () => {
    const parts = (env: Record<string, string>) => firstParts(buildSharedPlan(env, []).plan.stages);
    expect(parts({})).toEqual(["stages", "pool", "config.log", "headers", "headers.api"]);
    expect(parts({ PB_SECURITY_HEADERS: "off" })).toEqual(["stages", "pool", "config.log"]);
    expect(parts(FULL_STACK_ENV)).toEqual(["stages", "pool", "config.log", "headers", "headers.api", "config.admin", "rateLimit"]);
  });

  it("takes the pool size from PocketBase's command line, else PocketBase's default 15", () => {
    expect(buildSharedPlan({}, ["pocketbase", "serve", "--hooksPool", "240"]).plan.pool.size).toBe(240);
    expect(buildSharedPlan({}, ["pocketbase", "serve", "--hooksPool=32", "--http", "x"]).plan.pool.size).toBe(32);
    expect(buildSharedPlan({}, ["pocketbase", "serve"]).plan.pool.size).toBe(15);
  });

  it("names what JSON would not carry", () => {
    expect(nonPlainPaths({ a: new Set([1]), b: [1, () => 1], c: { d: Infinity }, e: /x/, f: undefined, g: null })).toEqual([
      "$.a (Set)",
      "$.b[1] (function)",
      "$.c.d (Infinity)",
      "$.e (RegExp)",
    ]);
  });
});

describe("pb_ops/hot.js (built by npm test before this runs)", () => {
  it("holds the middleware without the schema, boot or the config builder", async () => {
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { ROOT } = await import("../../toolkit/paths");
    const hot = readFileSync(join(ROOT, "pb_hooks/pb_ops/hot.js"), "utf8");
    const full = readFileSync(join(ROOT, "pb_hooks/pb_ops/index.js"), "utf8");
    expect(hot).toContain("handleRequest");
    // These variable names only appear in the schema (its log and rate-limit sections).
    for (const absent of ["PB_LOG_LEVEL", "PB_RATE_LIMIT_RULES", "function boot(", "function buildConfig("])
      expect(hot, absent).not.toContain(absent);
    expect(full).toContain("PB_LOG_LEVEL");
    expect(hot.length).toBeLessThan(full.length / 2);
  });
});
