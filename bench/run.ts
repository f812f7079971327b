// npm run bench: real PocketBase on loopback, measured side by side in one run:
//   1. bare PocketBase  2. one no-op JS routerUse middleware  3. PocketBase's built-in rate limiter
//   4. pb-ops full stack. Writes docs/bench.md and docs/bench.svg.
//   Then the same load with 0, 40 and 200 realtime (SSE) clients open, with PocketBase's default
//   VM pool and with the kit's (issue 22). `npm run bench -- --pool-only` runs only those rows and
//   rewrites only their section of docs/bench.md; BENCH_POOL=0 skips them.
//   Then the realistic rows (issue 21): a public collection listed 20 at a time with sort and
//   filter, a signed-in record view (bare, no-op, pb-ops defaults, pb-ops tuned), and the first
//   requests after boot against warm. `--routes-only` runs only those; BENCH_ROUTES=0 skips them.
//   Then the request counters' cost per request (bench/metrics-cost.ts; `--metrics-only` runs it alone).
// Bounded: every load is wrk for a fixed number of seconds against 127.0.0.1.
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { POCKETBASE_NEWEST } from "../scripts/versions.mjs";
import { ensureAllPocketBase } from "../scripts/binaries.mjs";
import { buildPbOps } from "../build.mjs";
import { fetchJson } from "../toolkit/http";
import { ROOT } from "../toolkit/paths";
import { startPocketBase, type RunningPocketBase, type StartOptions } from "../toolkit/pocketbase";
import { renderMarkdown, renderSvg, budget, type ScenarioSummary } from "./report";
import { runWrk, ensureWrk, type LoadResult } from "./wrk";
import { FULL_STACK_ENV, FULL_STACK_FEATURES } from "./full-stack";
import {
  markedPoolSection,
  POOL_IMPL_NAMES,
  poolTargets,
  renderPoolSection,
  splicePoolSection,
  type PoolImpl,
  type PoolMeta,
  type PoolRow,
} from "./pool-report";
import { openSseClients, type SseClients } from "../toolkit/sse";
import { measureCounterCost, METRICS_COST_PROBE, counterVerdict, renderMetricsCostSection, spliceMetricsCostSection } from "./metrics-cost";
import { goCallsAloneMiddleware } from "./floor-middleware";
import { profilerHooks } from "./profiler-bundle";
import { DEFAULT_HOOKS_POOL, POCKETBASE_DEFAULT_POOL } from "../src/pool/config";
import { LIST_PATH, RECORDS, seed, startOnCopy, timedBurst, type Seeded } from "./routes";
import {
  markedRoutesSection,
  renderRoutesSection,
  routeTargets,
  spliceRoutesSection,
  type ColdRow,
  type RouteImpl,
  type RouteName,
  type RouteRow,
  type RoutesMeta,
} from "./routes-report";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
// 5 rounds: the no-op row alone moved by a third between 3-round runs on the 2-core machine.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// 8 connections: under PocketBase's default pool of 15 VMs, so the run measures pb-ops's cost rather than
// PocketBase making a throwaway VM for every request beyond the pool (it does, for any JS middleware).
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ROUTE = "/api/health";
const version: string = POCKETBASE_NEWEST!;

const NOOP_MIDDLEWARE = `routerUse((e) => e.next());\n`;
// The least any request-id middleware must do: read the method, the path and one request header,
// and set one response header. The gap between this and the no-op is the price of touching the
// request at all from goja, before any feature.
const TOUCH_MIDDLEWARE = `routerUse((e) => {
  const req = e.request;
  const id = req.header.get("X-Request-Id") || req.method + " " + req.url.path;
  e.response.header().set("X-Request-Id", id);
  e.next();
});
`;

interface Scenario {
  id: string;
  label: string;
  options: Omit<StartOptions, "version">;
  after?: (pb: RunningPocketBase) => Promise<void>;
}

async function enableBuiltinLimiter(pb: RunningPocketBase): Promise<void> {
  const token = await pb.superuserToken();
  // Generous enough that the benchmark never hits it: we measure its cost, not its rejections.
  const res = await fetchJson(`${pb.url}/api/settings`, {
    method: "PATCH",
    headers: { Authorization: token, "content-type": "application/json" },
    body: JSON.stringify({ rateLimits: { enabled: true, rules: [{ label: "/api/", maxRequests: 10_000_000, duration: 1 }] } }),
  });
  if (res.status !== 200) throw new Error(`enabling the built-in limiter failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Everything off but the pipeline itself (request id): the floor of pb-ops. */
const ALL_OFF: Record<string, string> = { PB_LOG_ACCESS: "false", PB_SECURITY_HEADERS: "off", PB_RATE_LIMIT: "off", PB_METRICS: "false" };

const scenarios: Scenario[] = [
  { id: "bare", label: "bare PocketBase", options: { withPbOps: false } },
  { id: "noop", label: "no-op JS middleware", options: { withPbOps: false, extraHooks: { "noop.pb.js": NOOP_MIDDLEWARE } } },
  { id: "builtin-limiter", label: "built-in rate limiter", options: { withPbOps: false }, after: enableBuiltinLimiter },
  {
    id: "touch",
    label: "JS middleware reading 1 header, setting 1",
    options: { withPbOps: false, extraHooks: { "touch.pb.js": TOUCH_MIDDLEWARE } },
  },
  { id: "pbops", label: "pb-ops full stack", options: { withPbOps: true, env: FULL_STACK_ENV } },
];

// Where the time goes: pb-ops with one feature at a time (BENCH_ABLATION=0 skips these).
const ablation: Scenario[] = [
  { id: "pbops-floor", label: "pb-ops, every feature off", options: { withPbOps: true, env: ALL_OFF } },
  { id: "pbops-log", label: "pb-ops, access log only", options: { withPbOps: true, env: { ...ALL_OFF, PB_LOG_ACCESS: "true" } } },
  {
    id: "pbops-headers",
    label: "pb-ops, security headers only",
    options: { withPbOps: true, env: { ...ALL_OFF, PB_SECURITY_HEADERS: "on" } },
  },
  {
    id: "pbops-ratelimit",
    label: "pb-ops, rate limit only",
    options: { withPbOps: true, env: { ...ALL_OFF, PB_RATE_LIMIT: FULL_STACK_ENV.PB_RATE_LIMIT! } },
  },
  { id: "pbops-metrics", label: "pb-ops, request counters only", options: { withPbOps: true, env: { ...ALL_OFF, PB_METRICS: "true" } } },
  {
    id: "pbops-admin",
    label: "pb-ops, admin gate only",
    options: {
      withPbOps: true,
      env: { ...ALL_OFF, PB_ADMIN_PATH: FULL_STACK_ENV.PB_ADMIN_PATH!, PB_OPS_SECRET: FULL_STACK_ENV.PB_OPS_SECRET! },
    },
  },
];
if (process.env.BENCH_ABLATION !== "0") scenarios.push(...ablation);
// Go's GC scans the whole heap (15 VMs holding the bundle) as often as goja allocates; GOGC=200,
// which deploy/Dockerfile sets, trades ~20 MB of RSS for fewer collections.
scenarios.push({
  id: "pbops-gogc200",
  label: "pb-ops full stack, GOGC=200",
  options: { withPbOps: true, env: { ...FULL_STACK_ENV, GOGC: "200" } },
});
// PocketBase writes every request to its log database too (~15% of CPU on this route under load,
// measured with perf); PB_LOG_DB_REQUESTS=errors leaves successful requests to the stdout line.
scenarios.push({
  id: "pbops-dberrors",
  label: "pb-ops full stack, PB_LOG_DB_REQUESTS=errors",
  options: { withPbOps: true, env: { ...FULL_STACK_ENV, PB_LOG_DB_REQUESTS: "errors" } },
});
scenarios.push({
  id: "pbops-tuned",
  label: "pb-ops full stack, both of the above",
  options: { withPbOps: true, env: { ...FULL_STACK_ENV, PB_LOG_DB_REQUESTS: "errors", GOGC: "200" } },
});

/** Scenarios also measured with one connection (latency without queueing). */
const UNLOADED = ["bare", "noop", "builtin-limiter", "pbops", "pbops-tuned"];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function bootMs(withPbOps: boolean): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const pb = await startPocketBase({ version, superuser: false, withPbOps, env: withPbOps ? FULL_STACK_ENV : {}, stdoutFd: devNull });
    times.push(performance.now() - t0);
    await pb.stop();
  }
  return median(times);
}

const devNull = openSync("/dev/null", "w");

/**
 * The rate limiter's accuracy under 64 connections and its memory under address rotation, re-run
 * with the machine to themselves (after the throughput rounds). BENCH_RATELIMIT_ADDRESSES sets the
 * rotation size (default 1,000,000, about 7 minutes on 2 cores); BENCH_RATELIMIT=0 skips both.
 */
function rateLimiterReruns(): string[] {
  const out: string[] = [];
  const accuracy = spawnSync("npx", ["vitest", "run", "tests/ratelimit/concurrency.integration.test.ts"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 600_000,
  });
  for (const line of accuracy.stdout.split("\n")) {
    const m = /(PocketBase v[\d.]+: \d+ admitted.*)$/.exec(line);
    if (m) out.push(`accuracy: ${m[1]}`);
  }
  out.push(`accuracy test ${accuracy.status === 0 ? "passed" : "FAILED"} (admitted <= burst + rate x elapsed, >= 98% of it)`);
  const addresses = process.env.BENCH_RATELIMIT_ADDRESSES ?? "1000000";
  process.stderr.write(`[bench] rate limiter memory under ${addresses} rotating addresses (minutes)\n`);
  const memory = spawnSync("npx", ["tsx", "tests/bench/ratelimit-memory.ts", "--addresses", addresses], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 1_800_000,
  });
  for (const line of memory.stdout.split("\n")) if (line.startsWith("RESULT: ")) out.push(`memory: ${line.slice(8)}`);
  out.push(`memory bench ${memory.status === 0 ? "passed" : "FAILED"} (RSS growth < 64 MB, live client still limited)`);
  return out;
}

/** Bounded: at most 200 SSE clients per server, 18 servers at a time, all on loopback. */
const SSE_COUNTS = (process.env.BENCH_SSE ?? "0,40,200").split(",").map(Number);

async function poolRows(): Promise<PoolRow[]> {
  const rows: PoolRow[] = [];
  const pools = [
    { pool: "default" as const, size: POCKETBASE_DEFAULT_POOL, args: [] as string[], env: {} as Record<string, string> },
    {
      pool: "kit" as const,
      size: DEFAULT_HOOKS_POOL,
      args: ["--hooksPool", String(DEFAULT_HOOKS_POOL)],
      env: { PB_HOOKS_POOL: String(DEFAULT_HOOKS_POOL) },
    },
  ];
  const impls: { impl: PoolImpl; options: Omit<StartOptions, "version"> }[] = [
    { impl: "bare", options: { withPbOps: false } },
    { impl: "noop", options: { withPbOps: false, extraHooks: { "noop.pb.js": NOOP_MIDDLEWARE } } },
    { impl: "floorDefaults", options: { withPbOps: false, extraHooks: { "floor.pb.js": goCallsAloneMiddleware("defaults") } } },
    { impl: "floor", options: { withPbOps: false, extraHooks: { "floor.pb.js": goCallsAloneMiddleware("full") } } },
    { impl: "defaults", options: { withPbOps: true, env: {} } },
    { impl: "pbops", options: { withPbOps: true, env: FULL_STACK_ENV } },
  ];
  for (const p of pools) {
    // One pool at a time: its 18 servers (6 kinds x 3 SSE counts) measured round-robin, so the
    // ratios within the pool share the machine's state.
    const cells: { impl: PoolImpl; sse: number; pb: RunningPocketBase; clients: SseClients; runs: LoadResult[] }[] = [];
    try {
      for (const sse of SSE_COUNTS) {
        for (const i of impls) {
          const pb = await startPocketBase({
            version,
            superuser: false,
            stdoutFd: devNull,
            ...i.options,
            env: { ...(i.options.env ?? {}), ...(i.options.withPbOps ? p.env : {}) },
            serveArgs: p.args,
          });
          const clients = await openSseClients(pb.url, sse);
          cells.push({ impl: i.impl, sse, pb, clients, runs: [] });
          await runWrk(`${pb.url}${ROUTE}`, pb.process.pid!, 1, CONNECTIONS); // warm-up
        }
      }
      for (let r = 0; r < ROUNDS; r++) {
        for (const c of cells) {
          const res = await runWrk(`${c.pb.url}${ROUTE}`, c.pb.process.pid!, SECONDS, CONNECTIONS);
          c.runs.push(res);
          process.stderr.write(
            `[bench] pool ${p.pool} (${p.size}) round ${r + 1}/${ROUNDS} ${c.impl} with ${c.sse} SSE: ${res.rps.toFixed(0)} req/s, p50 ${res.p50Ms}ms\n`,
          );
        }
      }
      for (const c of cells) {
        rows.push({
          pool: p.pool,
          poolSize: p.size,
          sse: c.sse,
          impl: c.impl,
          rps: median(c.runs.map((x) => x.rps)),
          p50Ms: median(c.runs.map((x) => x.p50Ms)),
          p99Ms: median(c.runs.map((x) => x.p99Ms)),
          rssMb: rssMb(c.pb.process.pid!),
        });
      }
    } finally {
      for (const c of cells) {
        c.clients.close();
        await c.pb.stop().catch(() => {});
      }
    }
  }
  return rows;
}

const POOL_META: PoolMeta = { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, route: ROUTE, features: "full stack as above" };

function printPoolTargets(rows: PoolRow[]): void {
  const t = poolTargets(rows);
  const verdict = (met: boolean) => (met ? "met" : "NOT met");
  for (const v of t.vsNoop)
    console.log(
      `default pool, ${v.sse} SSE: ${POOL_IMPL_NAMES[v.impl]} ${v.ratio.toFixed(2)}x of no-op (target 0.80x) ${verdict(v.met)}` +
        (v.ceiling !== undefined ? `; Go calls alone ${v.ceiling.toFixed(2)}x` : ""),
    );
  for (const k of t.kitHold)
    console.log(
      `kit pool, ${k.sse} SSE: ${POOL_IMPL_NAMES[k.impl]} ${k.ratio.toFixed(2)}x of itself with none (target 0.80x) ${verdict(k.met)}`,
    );
  for (const r of t.rss)
    console.log(`${r.pool} pool, ${r.sse} SSE: ${POOL_IMPL_NAMES[r.impl]} RSS ${r.rssMb.toFixed(1)} MB (target < 256) ${verdict(r.met)}`);
}

// ---------------------------------------------------------------- realistic routes (issue 21)

const TUNED_ENV: Record<string, string> = { PB_LOG_DB_REQUESTS: "errors", GOGC: "200" };
const ROUTE_IMPLS: { impl: RouteImpl; options: Omit<StartOptions, "version"> }[] = [
  { impl: "bare", options: { withPbOps: false } },
  { impl: "noop", options: { withPbOps: false, extraHooks: { "noop.pb.js": NOOP_MIDDLEWARE } } },
  { impl: "defaults", options: { withPbOps: true, env: {} } },
  { impl: "tuned", options: { withPbOps: true, env: TUNED_ENV } },
];
const COLD_REQUESTS = 100;
const COLD_BOOTS = Number(process.env.BENCH_COLD_BOOTS ?? 3);

async function routeRows(seeded: Seeded): Promise<RouteRow[]> {
  const routes: { route: RouteName; path: string; headers: Record<string, string> }[] = [
    { route: "list", path: LIST_PATH, headers: {} },
    { route: "view", path: seeded.viewPath, headers: { Authorization: seeded.userToken } },
  ];
  const servers: { impl: RouteImpl; pb: RunningPocketBase }[] = [];
  const runs = new Map<string, LoadResult[]>();
  try {
    for (const i of ROUTE_IMPLS) {
      const pb = await startOnCopy(seeded, { version, stdoutFd: devNull, ...i.options });
      servers.push({ impl: i.impl, pb });
      for (const r of routes) await runWrk(`${pb.url}${r.path}`, pb.process.pid!, 1, CONNECTIONS, r.headers); // warm-up
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of routes) {
        for (const s of servers) {
          const res = await runWrk(`${s.pb.url}${r.path}`, s.pb.process.pid!, SECONDS, CONNECTIONS, r.headers);
          const k = `${r.route} ${s.impl}`;
          runs.set(k, [...(runs.get(k) ?? []), res]);
          process.stderr.write(
            `[bench] routes round ${round + 1}/${ROUNDS} ${r.route} ${s.impl}: ${res.rps.toFixed(0)} req/s, p50 ${res.p50Ms}ms, non-2xx ${res.non2xx}\n`,
          );
        }
      }
    }
  } finally {
    for (const s of servers) await s.pb.stop().catch(() => {});
  }
  const rows: RouteRow[] = [];
  for (const r of routes) {
    for (const i of ROUTE_IMPLS) {
      const xs = runs.get(`${r.route} ${i.impl}`) ?? [];
      rows.push({
        route: r.route,
        impl: i.impl,
        rps: median(xs.map((x) => x.rps)),
        p50Ms: median(xs.map((x) => x.p50Ms)),
        p99Ms: median(xs.map((x) => x.p99Ms)),
        non2xx: xs.reduce((a, x) => a + x.non2xx, 0),
      });
    }
  }
  return rows;
}

/** First requests after boot against the same burst once warm, for bare and pb-ops defaults. */
async function coldRows(seeded: Seeded): Promise<ColdRow[]> {
  const rows: ColdRow[] = [];
  for (const impl of ["bare", "defaults"] as const) {
    const options = ROUTE_IMPLS.find((x) => x.impl === impl)!.options;
    const cold: number[] = [];
    const warm: number[] = [];
    for (let b = 0; b < COLD_BOOTS; b++) {
      const pb = await startOnCopy(seeded, { version, stdoutFd: devNull, readyProbe: "mux", ...options });
      try {
        const first = await timedBurst(`${pb.url}${LIST_PATH}`, COLD_REQUESTS, CONNECTIONS);
        await timedBurst(`${pb.url}${LIST_PATH}`, 2000, CONNECTIONS);
        const later = await timedBurst(`${pb.url}${LIST_PATH}`, COLD_REQUESTS, CONNECTIONS);
        if (first.failures || later.failures) throw new Error(`cold-start burst had failures (${first.failures}, ${later.failures})`);
        cold.push(first.meanMs);
        warm.push(later.meanMs);
        process.stderr.write(
          `[bench] cold start ${impl} boot ${b + 1}/${COLD_BOOTS}: first ${COLD_REQUESTS} ${first.meanMs.toFixed(3)} ms, warm ${later.meanMs.toFixed(3)} ms\n`,
        );
      } finally {
        await pb.stop();
      }
    }
    rows.push({ impl, coldMs: median(cold), warmMs: median(warm), boots: COLD_BOOTS, requests: COLD_REQUESTS });
  }
  return rows;
}

async function routesSection(): Promise<{ section: string; rows: RouteRow[]; cold: ColdRow[] }> {
  const seeded = await seed(version, devNull);
  try {
    const rows = await routeRows(seeded);
    const cold = await coldRows(seeded);
    const meta: RoutesMeta = {
      connections: CONNECTIONS,
      seconds: SECONDS,
      rounds: ROUNDS,
      records: RECORDS,
      listPath: LIST_PATH,
      viewPath: "/api/collections/posts/records/{id}",
      tuned: "`PB_LOG_DB_REQUESTS=errors` and `GOGC=200`",
      coldConcurrency: CONNECTIONS,
    };
    return { section: renderRoutesSection(rows, cold, meta), rows, cold };
  } finally {
    rmSync(seeded.dataDir, { recursive: true, force: true });
  }
}

function printRouteTargets(rows: RouteRow[], cold: ColdRow[]): void {
  const t = routeTargets(rows, cold);
  if (t.listVsBare)
    console.log(
      `list route: pb-ops defaults ${t.listVsBare.ratio.toFixed(2)}x of bare (target 0.90x) ${t.listVsBare.met ? "met" : "NOT met"}`,
    );
  if (t.cold)
    console.log(`cold start: pb-ops first requests ${t.cold.ratio.toFixed(2)}x of warm (target <= 2x) ${t.cold.met ? "met" : "NOT met"}`);
}

async function routesOnly() {
  ensureWrk();
  await ensureAllPocketBase();
  await buildPbOps();
  const { section, rows, cold } = await routesSection();
  const file = join(ROOT, "docs", "bench.md");
  const stamped = section.replace(
    "## Realistic routes and cold start (issue 21)\n",
    `## Realistic routes and cold start (issue 21)\n\nRun: \`npm run bench -- --routes-only\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} cores, PocketBase ${version}.\n`,
  );
  writeFileSync(file, spliceRoutesSection(readFileSync(file, "utf8"), stamped));
  printRouteTargets(rows, cold);
  console.log("wrote the routes section of docs/bench.md");
  closeSync(devNull);
}

async function poolOnly() {
  ensureWrk();
  await ensureAllPocketBase();
  await buildPbOps();
  const rows = await poolRows();
  const file = join(ROOT, "docs", "bench.md");
  const section = renderPoolSection(rows, POOL_META).replace(
    "## Realtime clients and the VM pool (issue 22)\n",
    `## Realtime clients and the VM pool (issue 22)\n\nRun: \`npm run bench -- --pool-only\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} cores, PocketBase ${version}.\n`,
  );
  writeFileSync(file, splicePoolSection(readFileSync(file, "utf8"), section));
  printPoolTargets(rows);
  console.log("wrote the pool section of docs/bench.md");
  closeSync(devNull);
}

async function main() {
  ensureWrk();
  await ensureAllPocketBase();
  await buildPbOps();
  const started: Record<string, RunningPocketBase> = {};
  const rounds: Record<string, LoadResult[]> = {};
  try {
    for (const s of scenarios) {
      // stdout to /dev/null: pb-ops still pays for writing every access line, the bench does not read them.
      started[s.id] = await startPocketBase({ version, ...s.options, stdoutFd: devNull });
      await s.after?.(started[s.id]!);
      await runWrk(`${started[s.id]!.url}${ROUTE}`, started[s.id]!.process.pid!, 1, CONNECTIONS); // warm-up
      rounds[s.id] = [];
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of scenarios) {
        const res = await runWrk(`${started[s.id]!.url}${ROUTE}`, started[s.id]!.process.pid!, SECONDS, CONNECTIONS);
        rounds[s.id]!.push(res);
        process.stderr.write(
          `[bench] round ${r + 1}/${ROUNDS} ${s.label}: ${res.rps.toFixed(0)} req/s, p50 ${res.p50Ms}ms, p99 ${res.p99Ms}ms\n`,
        );
      }
    }
    // Latency without queueing: one connection, the main scenarios only, interleaved the same way.
    const unloaded: Record<string, LoadResult[]> = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of scenarios.filter((x) => UNLOADED.includes(x.id))) {
        const res = await runWrk(`${started[s.id]!.url}${ROUTE}`, started[s.id]!.process.pid!, SECONDS, 1);
        (unloaded[s.id] ??= []).push(res);
        process.stderr.write(`[bench] round ${r + 1}/${ROUNDS} 1 connection, ${s.label}: p50 ${res.p50Ms}ms, p99 ${res.p99Ms}ms\n`);
      }
    }
    const results: ScenarioSummary[] = scenarios.map((s) => ({
      id: s.id,
      label: s.label,
      rps: median(rounds[s.id]!.map((x) => x.rps)),
      p50Ms: median(rounds[s.id]!.map((x) => x.p50Ms)),
      p99Ms: median(rounds[s.id]!.map((x) => x.p99Ms)),
      rssMb: rssMb(started[s.id]!.process.pid!),
      non2xx: rounds[s.id]!.reduce((a, x) => a + x.non2xx, 0),
      unloaded: unloaded[s.id]
        ? { p50Ms: median(unloaded[s.id]!.map((x) => x.p50Ms)), p99Ms: median(unloaded[s.id]!.map((x) => x.p99Ms)) }
        : undefined,
    }));
    for (const pb of Object.values(started)) await pb.stop();

    const boot = { bare: await bootMs(false), pbOps: await bootMs(true) };
    const rateLimiter = process.env.BENCH_RATELIMIT === "0" ? [] : rateLimiterReruns();
    const meta = {
      date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
      command: "npm run bench",
      cores: cpus().length,
      pocketbase: version,
      connections: CONNECTIONS,
      seconds: SECONDS,
      rounds: ROUNDS,
      route: ROUTE,
      bootMs: boot,
      features: FULL_STACK_FEATURES,
      rateLimiter,
    };
    const pool = process.env.BENCH_POOL === "0" ? [] : await poolRows();
    const routes = process.env.BENCH_ROUTES === "0" ? undefined : await routesSection();
    writeFileSync(
      join(ROOT, "docs", "bench.md"),
      renderMarkdown(results, meta) +
        (routes ? "\n" + markedRoutesSection(routes.section) : "") +
        (pool.length ? "\n" + markedPoolSection(renderPoolSection(pool, POOL_META)) : ""),
    );
    writeFileSync(join(ROOT, "docs", "bench.svg"), renderSvg(results));
    const b = budget(results);
    console.log(
      `pb-ops vs no-op middleware ${b.vsNoop.toFixed(2)}x, vs built-in limiter ${b.vsBuiltin.toFixed(2)}x, added p99 ${b.addedP99Ms.toFixed(3)} ms (1 connection: ${b.addedP99UnloadedMs?.toFixed(3)} ms)`,
    );
    if (routes) printRouteTargets(routes.rows, routes.cold);
    if (pool.length) printPoolTargets(pool);
    const file = join(ROOT, "docs", "bench.md");
    writeFileSync(file, spliceMetricsCostSection(readFileSync(file, "utf8"), await metricsCostSection("npm run bench")));
    console.log("wrote docs/bench.md and docs/bench.svg");
  } finally {
    for (const pb of Object.values(started)) await pb.stop().catch(() => {});
    closeSync(devNull);
  }
}

/** The counters' cost, in the VM, with the full stack on (the counting stage is one of its post stages). */
async function metricsCostSection(command: string): Promise<string> {
  const pb = await startPocketBase({
    version,
    superuser: false,
    env: FULL_STACK_ENV,
    stdoutFd: devNull,
    extraHooks: { "zz_metrics_cost.pb.js": METRICS_COST_PROBE, ...(await profilerHooks()) },
  });
  try {
    const c = await measureCounterCost(pb);
    const v = counterVerdict(c);
    console.log(
      `request counters: ${v.medianUs} us per request (rounds ${c.roundsUs.join(", ")}), target <= 10 us ${v.met ? "met" : "NOT met"}`,
    );
    return renderMetricsCostSection(c, {
      date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
      command,
      pocketbase: version,
      cores: cpus().length,
      env: "pb-ops full stack",
    });
  } finally {
    await pb.stop();
  }
}

async function metricsOnly() {
  await ensureAllPocketBase();
  await buildPbOps();
  const file = join(ROOT, "docs", "bench.md");
  writeFileSync(file, spliceMetricsCostSection(readFileSync(file, "utf8"), await metricsCostSection("npm run bench -- --metrics-only")));
  console.log("wrote the request counters section of docs/bench.md");
  closeSync(devNull);
}

if (process.argv.includes("--pool-only")) await poolOnly();
else if (process.argv.includes("--routes-only")) await routesOnly();
else if (process.argv.includes("--metrics-only")) await metricsOnly();
else await main();
