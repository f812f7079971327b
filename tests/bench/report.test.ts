// The benchmark's parsing and report are pure; the numbers themselves come from `npm run bench`.
import { describe, expect, it } from "vitest";
import { budget, renderMarkdown, renderSvg, type ScenarioSummary } from "../../bench/report";
import { parseWrk } from "../../bench/wrk";
import { poolTargets, renderPoolSection, splicePoolSection, type PoolImpl, type PoolRow } from "../../bench/pool-report";
import {
  markedRoutesSection,
  renderRoutesSection,
  routeTargets,
  spliceRoutesSection,
  type ColdRow,
  type RouteImpl,
  type RouteName,
  type RouteRow,
} from "../../bench/routes-report";

const WRK = `Running 4s test @ http://127.0.0.1:8090/api/health
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms  310.00us   9.10ms   88.00%
    Req/Sec    13.10k   500.00    14.00k    70.00%
  Latency Distribution
     50%    1.15ms
     75%    1.30ms
     90%    1.50ms
     99%  850.00us
  52130 requests in 4.00s, 10.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  13032.50
Transfer/sec:      2.50MB
`;

const results: ScenarioSummary[] = [
  { id: "bare", label: "bare PocketBase", rps: 10000, p50Ms: 1, p99Ms: 2, rssMb: 30, non2xx: 0 },
  { id: "noop", label: "no-op JS middleware", rps: 8000, p50Ms: 1.2, p99Ms: 2.5, rssMb: 35, non2xx: 0 },
  { id: "builtin-limiter", label: "built-in rate limiter", rps: 9000, p50Ms: 1.1, p99Ms: 2.2, rssMb: 31, non2xx: 0 },
  { id: "pbops", label: "pb-ops full stack", rps: 7600, p50Ms: 1.4, p99Ms: 2.8, rssMb: 40, non2xx: 0 },
];

/** The run's description as bench/run.ts fills it, with the connection count of the case. */
const meta = (connections: number) => ({
  date: "2026-11-28 09:00 UTC",
  command: "npm run bench",
  cores: 2,
  pocketbase: "v0.40.4",
  connections,
  seconds: 4,
  rounds: 3,
  route: "/api/health",
  bootMs: { bare: 300, pbOps: 340 },
  features: "all",
});

describe("bench", () => {
  it("parses wrk's latency report, converting units to ms", () => {
    expect(parseWrk(WRK)).toEqual({ requests: 52130, rps: 13032.5, p50Ms: 1.15, p99Ms: 0.85, non2xx: 3 });
  });
  it("checks the budget against the scenarios measured in the same run", () => {
    const b = budget(results);
    expect(b.vsNoop).toBeCloseTo(0.95);
    expect(b.vsBuiltin).toBeCloseTo(0.8444, 3);
    expect(b.addedP99Ms).toBeCloseTo(0.8);
    expect(b.pass).toEqual({ vsNoop: true, vsBuiltin: true, addedP99: true });
    expect(b.addedP99UnloadedMs).toBeUndefined();
  });
  it("reports the p99 added at one connection apart from the saturated one", () => {
    const withUnloaded = results.map((r) =>
      r.id === "bare"
        ? { ...r, unloaded: { p50Ms: 0.1, p99Ms: 0.3 } }
        : r.id === "pbops"
          ? { ...r, p99Ms: 12, unloaded: { p50Ms: 0.4, p99Ms: 1.1 } }
          : r,
    );
    const b = budget(withUnloaded);
    expect(b.addedP99Ms).toBeCloseTo(10);
    expect(b.addedP99UnloadedMs).toBeCloseTo(0.8);
    expect(b.pass).toEqual({ vsNoop: true, vsBuiltin: true, addedP99: false, addedP99Unloaded: true });
    const md = renderMarkdown(withUnloaded, meta(8));
    expect(md).toContain(
      "at 8 connections (saturated, so it includes queueing behind the lower throughput): **10.000 ms** (budget < 1 ms): not met",
    );
    expect(md).toContain("at 1 connection (what one request pays, no queueing): **0.800 ms** (budget < 1 ms): met");
    expect(md).toContain("| pb-ops full stack | 0.400 | 1.100 | 0.800 |");
  });
  it("renders the table with ratios and the chart with one bar per scenario", () => {
    const md = renderMarkdown(results, meta(16));
    expect(md).toContain("| pb-ops full stack | 7600 | 0.76x | 0.95x |");
    expect(md).toContain("2 cores");
    expect(md).toContain("+40 ms");
    expect(md).toContain("the no-op JS middleware alone runs at **0.89x** of the built-in limiter.");
    expect(md).not.toContain("reads one request header");
    const svg = renderSvg(results);
    expect(svg.match(/<rect x=/g)).toHaveLength(4);
    expect(svg).toContain("(0.76x)");
  });
  it("says when the built-in-limiter budget is above what a no-op JS middleware reaches, and prices touching the request", () => {
    const slowJs: ScenarioSummary[] = [
      ...results.map((r) => (r.id === "noop" ? { ...r, rps: 5000 } : r)),
      { id: "touch", label: "touch", rps: 4000, p50Ms: 1, p99Ms: 2, rssMb: 30, non2xx: 0 },
    ];
    const md = renderMarkdown(slowJs, meta(8));
    expect(md).toContain(
      "runs at **0.56x** of the built-in limiter, so the 0.80x budget asks more of pb-ops than any pb_hooks middleware reaches in this run.",
    );
    expect(md).toContain("(what a request id needs) runs at **0.80x** of the no-op.");
  });
});

describe("bench: realtime clients and the VM pool", () => {
  const row = (pool: "default" | "kit", sse: number, impl: PoolImpl, rps: number, rssMb = 100): PoolRow => ({
    pool,
    poolSize: pool === "kit" ? 240 : 15,
    sse,
    impl,
    rps,
    p50Ms: 1,
    p99Ms: 2,
    rssMb,
  });
  const rows: PoolRow[] = [
    row("default", 0, "bare", 15000),
    row("default", 0, "noop", 8000),
    row("default", 0, "floor", 6000),
    row("default", 0, "floorDefaults", 7000),
    row("default", 0, "defaults", 5000),
    row("default", 0, "pbops", 4000),
    row("default", 200, "bare", 15000),
    row("default", 200, "noop", 1000),
    row("default", 200, "floor", 900, 220),
    row("default", 200, "floorDefaults", 950, 200),
    row("default", 200, "defaults", 700, 250),
    row("default", 200, "pbops", 850, 300),
    row("kit", 0, "bare", 15000),
    row("kit", 0, "noop", 8000),
    row("kit", 0, "floor", 6000),
    row("kit", 0, "floorDefaults", 7000),
    row("kit", 0, "defaults", 5000),
    row("kit", 0, "pbops", 4000),
    row("kit", 200, "bare", 15000),
    row("kit", 200, "noop", 7000),
    row("kit", 200, "floor", 5500, 170),
    row("kit", 200, "floorDefaults", 6000, 160),
    row("kit", 200, "defaults", 4500, 300),
    row("kit", 200, "pbops", 3000, 180),
  ];
  it("checks the issue 22 targets for both pb-ops rows against rows of the same run, with the Go-calls ceiling", () => {
    const t = poolTargets(rows);
    expect(t.vsNoop).toEqual([
      { impl: "pbops", sse: 0, ratio: 0.5, met: false, ceiling: 0.75 },
      { impl: "pbops", sse: 200, ratio: 0.85, met: true, ceiling: 0.9 },
      { impl: "defaults", sse: 0, ratio: 0.625, met: false, ceiling: 0.875 },
      { impl: "defaults", sse: 200, ratio: 0.7, met: false, ceiling: 0.95 },
    ]);
    expect(t.kitHold).toEqual([
      { impl: "pbops", sse: 200, ratio: 0.75, met: false },
      { impl: "defaults", sse: 200, ratio: 0.9, met: true },
    ]);
    expect(t.rss).toEqual([
      { impl: "pbops", pool: "default", sse: 200, rssMb: 300, met: false, floorMb: 220 },
      { impl: "pbops", pool: "kit", sse: 200, rssMb: 180, met: true, floorMb: 170 },
      { impl: "defaults", pool: "default", sse: 200, rssMb: 250, met: true, floorMb: 200 },
      { impl: "defaults", pool: "kit", sse: 200, rssMb: 300, met: false, floorMb: 160 },
    ]);
  });
  it("renders one line per pool and SSE count, with every ratio, the RSS table and the verdicts", () => {
    const md = renderPoolSection(rows, { connections: 8, seconds: 4, rounds: 3, route: "/api/health", features: "full stack" });
    expect(md).toContain("| default (15) | 200 | 15000 | 1000 | 950 | 700 | 900 | 850 | 0.95x | 0.70x | 0.90x | 0.85x | 0.21x |");
    expect(md).toContain("| kit (240) | 200 | 15000 | 7000 | 6000 | 4500 | 5500 | 3000 | 0.86x | 0.64x | 0.79x | 0.43x | 0.75x |");
    expect(md).toContain("| default (15) | 200 | 100.0 | 200.0 | 250.0 | 220.0 | 300.0 | 1.000 | 2.000 |");
    // Every table's header, separator and rows have the same number of columns.
    for (const table of md.split(/\n\n/).filter((block) => block.startsWith("|"))) {
      const widths = new Set(table.split("\n").map((line) => line.split("|").length));
      expect(widths.size, table).toBe(1);
    }
    expect(md).toContain(
      "- default pool, 0 SSE clients: pb-ops full stack at **0.50x** of the no-op middleware (target 0.80x): **not met**; its Go calls alone reach 0.75x",
    );
    expect(md).toContain(
      "- default pool, 200 SSE clients: pb-ops defaults at **0.70x** of the no-op middleware (target 0.80x): **not met**; its Go calls alone reach 0.95x",
    );
    expect(md).toContain("kit pool, 200 SSE clients: pb-ops full stack at **0.75x** of itself with none (target 0.80x): **not met**");
    expect(md).toContain(
      "kit pool, 200 SSE clients: pb-ops full stack RSS **180.0 MB** (target < 256 MB): met; its Go calls alone 170.0 MB",
    );
    expect(md).toContain(
      "default pool, 200 SSE clients: pb-ops defaults RSS **250.0 MB** (target < 256 MB): met; its Go calls alone 200.0 MB",
    );
  });
  it("replaces only its own section of an existing bench.md", () => {
    const before = "# Bench\n\ntable\n";
    const once = splicePoolSection(before, "## Pool\nv1\n");
    expect(once).toBe("# Bench\n\ntable\n\n<!-- pool-rows:start -->\n## Pool\nv1\n<!-- pool-rows:end -->\n");
    const twice = splicePoolSection(once + "tail\n", "## Pool\nv2\n");
    expect(twice).toBe("# Bench\n\ntable\n\n<!-- pool-rows:start -->\n## Pool\nv2\n<!-- pool-rows:end -->\ntail\n");
  });
});

describe("bench: realistic routes and cold start (issue 21)", () => {
  const row = (route: RouteName, impl: RouteImpl, rps: number): RouteRow => ({ route, impl, rps, p50Ms: 1, p99Ms: 2, non2xx: 0 });
  const rows: RouteRow[] = [
    row("list", "bare", 3000),
    row("list", "noop", 2900),
    row("list", "defaults", 2600),
    row("list", "tuned", 2800),
    row("view", "bare", 4000),
    row("view", "defaults", 3000),
  ];
  const cold: ColdRow[] = [
    { impl: "bare", coldMs: 3, warmMs: 2, boots: 3, requests: 100 },
    { impl: "defaults", coldMs: 5, warmMs: 2, boots: 3, requests: 100 },
  ];
  const meta = {
    connections: 8,
    seconds: 4,
    rounds: 5,
    records: 300,
    listPath: "/api/x?a=1",
    viewPath: "/api/x/{id}",
    tuned: "t",
    coldConcurrency: 8,
  };

  it("judges the list route against bare and the cold start against warm, from the same run", () => {
    const t = routeTargets(rows, cold);
    expect(t.listVsBare).toEqual({ ratio: 2600 / 3000, met: false });
    expect(t.cold).toEqual({ ratio: 2.5, met: false });
    expect(routeTargets([row("list", "bare", 1000), row("list", "defaults", 900)], [{ ...cold[1]!, coldMs: 4 }])).toEqual({
      listVsBare: { ratio: 0.9, met: true },
      cold: { ratio: 2, met: true },
    });
  });

  it("renders every route and server, the cold rows and the targets, and splices into bench.md", () => {
    const md = renderRoutesSection(rows, cold, meta);
    expect(md).toContain("| list 20 of a public collection, sorted and filtered | 3000 | 2900 | 2600 | 2800 | 0.87x | 0.90x | 0.93x |");
    expect(md).toContain("| view one record, signed in | 4000 | - | 3000 | - | 0.75x |");
    expect(md).toContain("| pb-ops defaults | 5.000 | 2.000 | 2.50x |");
    expect(md).toContain("pb-ops defaults at **0.87x** of bare (target 0.90x): **not met**");
    const doc = `# Bench\n\ntable\n\n${markedRoutesSection("old\n")}\nrest\n`;
    const spliced = spliceRoutesSection(doc, "new\n");
    expect(spliced).toContain("new\n");
    expect(spliced).not.toContain("old\n");
    expect(spliced).toContain("rest\n");
    expect(spliceRoutesSection("# Bench\n", "new\n")).toContain("<!-- route-rows:start -->\nnew\n<!-- route-rows:end -->");
  });
});
