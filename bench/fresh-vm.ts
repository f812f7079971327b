// npm run bench:fresh: what pb-ops costs in a VM that has never run it (a throwaway VM, made per
// request once the pool is exhausted; docs/performance.md), step by step, inside one real VM.
//
// The probe compiles a bundle once (PocketBase caches a module's compiled program process-wide) and
// runs its top level N times, each run a new module instance with no per-VM state. Then it runs each
// step of a first request (src/adapter/fresh-profile.ts) on every instance in turn, so one step's
// mean is timed over N instances (goja's clock has millisecond steps). What this leaves out, and
// wrk against `--hooksPool 0` includes: the Go side of a new VM (PocketBase binding its globals,
// goja building each Go type's method table anew per VM) and the module compile.
//
// FRESH_ENV=default (no PB_* variable, the default stack) or full (bench/full-stack.ts); FRESH_N
// instances per round (default 200), FRESH_ROUNDS rounds (default 7). Microseconds per instance,
// minimum / median over the rounds.
import { openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { POCKETBASE_NEWEST } from "../scripts/versions.mjs";
import { ALL_STAGES, buildPbOps, bundleLibrary } from "../build.mjs";
import { fetchJson } from "../toolkit/http";
import { startPocketBase } from "../toolkit/pocketbase";
import { FULL_STACK_ENV } from "./full-stack";

const PROBE = `routerAdd("GET", "/api/bench-fresh", (e) => {
  try {
  const n = Number(e.request.url.query().get("n")) || 200;
  const wrap = (file) => new Function("return function (exports, require, module) {" + toString($os.readFile(__hooks + "/" + file)) + "\\n}")();
  const us = (t0) => Math.round(((Date.now() - t0) * 1000) / n);
  const out = []; // [name, us] pairs, in the order run
  // The middleware bundle this server's request VMs load (chosen at boot), top level only.
  const hot = wrap("pb_ops/" + $app.store().get("pbOps.hotFile"));
  let t0 = Date.now();
  for (let i = 0; i < n; i++) { const m = { exports: {} }; hot(m.exports, require, m); }
  out.push(["evaluate the middleware bundle", us(t0)]);
  const fresh = wrap("pb_ops_fresh.js");
  const mods = [];
  t0 = Date.now();
  for (let i = 0; i < n; i++) { const m = { exports: {} }; fresh(m.exports, require, m); mods.push(m.exports); }
  out.push(["evaluate profile bundle", us(t0)]);
  // The harness's own cost per step: a call that does nothing.
  t0 = Date.now();
  for (let i = 0; i < n; i++) mods[i].freshStep(-1, e);
  out.push(["(step overhead)", us(t0)]);
  for (let k = 0; ; k++) {
    let name;
    t0 = Date.now();
    for (let i = 0; i < n; i++) name = mods[i].freshStep(k, e);
    if (name === undefined) break;
    out.push([name, us(t0)]);
  }
  e.response.header().del("Vary");
  return e.json(200, out);
  } catch (err) {
    return e.json(500, { error: String(err), stack: err && err.stack });
  }
});
`;

const ROUNDS = Number(process.env.FRESH_ROUNDS ?? 7);
const N = Number(process.env.FRESH_N ?? 200);
const ENV = process.env.FRESH_ENV === "full" ? FULL_STACK_ENV : {};

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

await buildPbOps();
// The profile bundle with the stages of the bundle the server loads (hot-lean.js without the admin
// gate and the rate limiter; the default stack has neither).
const { code: profiler } = await bundleLibrary(
  fileURLToPath(new URL("../src/adapter/fresh-profile.ts", import.meta.url)),
  "pb_ops_fresh.js",
  process.env.FRESH_ENV === "full" ? ALL_STAGES : { __PB_OPS_HOT_ADMIN__: "false", __PB_OPS_HOT_RATELIMIT__: "false" },
);
const pb = await startPocketBase({
  version: POCKETBASE_NEWEST!,
  superuser: false,
  env: ENV,
  stdoutFd: openSync("/dev/null", "w"),
  extraHooks: { "zz_fresh.pb.js": PROBE, "pb_ops_fresh.js": profiler },
});
try {
  const samples: Record<string, number[]> = {};
  const order: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { status, body } = await fetchJson(`${pb.url}/api/bench-fresh?n=${N}`, {
      headers: { "User-Agent": "pb-ops-fresh", Origin: "https://app.example.com" },
    });
    if (status !== 200) throw new Error(`probe answered ${status}: ${JSON.stringify(body)}`);
    for (const [k, v] of body as [string, number][]) {
      if (!samples[k]) order.push(k);
      (samples[k] ??= []).push(v);
    }
  }
  console.log(
    `${process.env.FRESH_ENV === "full" ? "full stack" : "default stack"}: ${ROUNDS} rounds of ${N} fresh module instances, microseconds per instance (min / median):`,
  );
  let sum = 0;
  for (const k of order) {
    const s = sorted(samples[k]!);
    if (k !== "evaluate the middleware bundle" && k !== "(step overhead)") sum += s[0]!;
    console.log(`  ${k.padEnd(32)} ${String(s[0]).padStart(6)} / ${String(s[Math.floor(s.length / 2)]).padStart(6)}`);
  }
  console.log(`  ${"sum of minimums (profile bundle)".padEnd(32)} ${String(sum).padStart(6)}`);
} finally {
  await pb.stop();
}
