// Turns one benchmark run into docs/bench.md (table) and docs/bench.svg (chart). Pure.
export interface ScenarioSummary {
  id: string;
  label: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
  non2xx: number;
  /** Latency with one connection (no queueing behind other requests), for the main scenarios. */
  unloaded?: { p50Ms: number; p99Ms: number };
}

export interface BenchMeta {
  date: string;
  command: string;
  cores: number;
  pocketbase: string;
  connections: number;
  seconds: number;
  rounds: number;
  route: string;
  bootMs: { bare: number; pbOps: number };
  features: string;
  /** The rate limiter's accuracy and memory re-runs (RESULT lines), when they ran. */
  rateLimiter?: string[];
}

export interface Budget {
  vsNoop: number;
  vsBuiltin: number;
  /** p99 over bare at the benchmark's connection count: saturated, so it includes queueing. */
  addedP99Ms: number;
  /** p99 over bare with one connection: what one request pays, without queueing. */
  addedP99UnloadedMs?: number;
  pass: { vsNoop: boolean; vsBuiltin: boolean; addedP99: boolean; addedP99Unloaded?: boolean };
}

export function budget(results: ScenarioSummary[]): Budget {
  const by = (id: string) => {
    const r = results.find((x) => x.id === id);
    if (!r) throw new Error(`missing scenario ${id}`);
    return r;
  };
  const full = by("pbops");
  const vsNoop = full.rps / by("noop").rps;
  const vsBuiltin = full.rps / by("builtin-limiter").rps;
  const addedP99Ms = full.p99Ms - by("bare").p99Ms;
  const bareUnloaded = by("bare").unloaded;
  const addedP99UnloadedMs = full.unloaded && bareUnloaded ? full.unloaded.p99Ms - bareUnloaded.p99Ms : undefined;
  return {
    vsNoop,
    vsBuiltin,
    addedP99Ms,
    addedP99UnloadedMs,
    pass: {
      vsNoop: vsNoop >= 0.9,
      vsBuiltin: vsBuiltin >= 0.8,
      addedP99: addedP99Ms < 1,
      ...(addedP99UnloadedMs !== undefined ? { addedP99Unloaded: addedP99UnloadedMs < 1 } : {}),
    },
  };
}

const f = (n: number, d = 2) => n.toFixed(d);

/**
 * What the budget asks, measured in the same run: every pb_hooks middleware pays the no-op's VM
 * hop, and one that looks at the request at all pays the "touch" row's too.
 */
function reachability(results: ScenarioSummary[]): string[] {
  const by = (id: string) => results.find((x) => x.id === id);
  const noop = by("noop");
  const builtin = by("builtin-limiter");
  const touch = by("touch");
  const out: string[] = [];
  if (noop && builtin) {
    const ratio = noop.rps / builtin.rps;
    out.push(
      `- For scale: the no-op JS middleware alone runs at **${f(ratio)}x** of the built-in limiter` +
        (ratio < 0.8 ? ", so the 0.80x budget asks more of pb-ops than any pb_hooks middleware reaches in this run." : "."),
    );
  }
  if (noop && touch)
    out.push(
      `- A JS middleware that reads one request header and sets one response header (what a request id needs) runs at **${f(touch.rps / noop.rps)}x** of the no-op.`,
    );
  return out;
}

export function renderMarkdown(results: ScenarioSummary[], meta: BenchMeta): string {
  const bare = results.find((r) => r.id === "bare")!;
  const noop = results.find((r) => r.id === "noop")!;
  const b = budget(results);
  const lines = [
    "# Benchmark: pb-ops against bare PocketBase",
    "",
    "<!-- Written by `npm run bench`; do not edit by hand. -->",
    "",
    `Run: \`${meta.command}\` on ${meta.date}, ${meta.cores} cores, PocketBase ${meta.pocketbase}.`,
    `Load: wrk, 1 thread, ${meta.connections} connections, ${meta.seconds} s per round, ${meta.rounds} rounds per scenario,`,
    `scenarios interleaved round by round; medians shown. Route: \`GET ${meta.route}\`. All servers on loopback.`,
    `pb-ops stack: ${meta.features}.`,
    "",
    "| Scenario | req/s | vs bare | vs no-op JS middleware | p50 ms | p99 ms | RSS MB | non-2xx |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${r.label} | ${f(r.rps, 0)} | ${f(r.rps / bare.rps)}x | ${f(r.rps / noop.rps)}x | ${f(r.p50Ms, 3)} | ${f(r.p99Ms, 3)} | ${f(r.rssMb, 1)} | ${r.non2xx} |`,
    ),
    "",
    "Budget (issue 10):",
    "",
    `- pb-ops throughput vs one no-op JS middleware: **${f(b.vsNoop)}x** (budget 0.90x): ${b.pass.vsNoop ? "met" : "not met"}`,
    `- pb-ops throughput vs PocketBase's built-in rate limiter: **${f(b.vsBuiltin)}x** (budget 0.80x): ${b.pass.vsBuiltin ? "met" : "not met"}`,
    `- p99 added over bare PocketBase at ${meta.connections} connections (saturated, so it includes queueing behind the lower throughput): **${f(b.addedP99Ms, 3)} ms** (budget < 1 ms): ${b.pass.addedP99 ? "met" : "not met"}`,
    ...(b.addedP99UnloadedMs !== undefined
      ? [
          `- p99 added over bare PocketBase at 1 connection (what one request pays, no queueing): **${f(b.addedP99UnloadedMs, 3)} ms** (budget < 1 ms): ${b.pass.addedP99Unloaded ? "met" : "not met"}`,
        ]
      : []),
    ...reachability(results),
    `- Boot time to healthy (median of 5): bare ${f(meta.bootMs.bare, 0)} ms, with pb-ops ${f(meta.bootMs.pbOps, 0)} ms (+${f(meta.bootMs.pbOps - meta.bootMs.bare, 0)} ms).`,
    "",
    "![throughput chart](bench.svg)",
    "",
  ];
  const unloaded = results.filter((r) => r.unloaded);
  if (unloaded.length && bare.unloaded) {
    lines.push(
      "## Latency with one connection",
      "",
      `wrk with 1 connection, ${meta.seconds} s per round, ${meta.rounds} rounds interleaved, medians: each request waits for no other.`,
      "",
      "| Scenario | p50 ms | p99 ms | p99 added over bare |",
      "|---|---:|---:|---:|",
      ...unloaded.map(
        (r) =>
          `| ${r.label} | ${f(r.unloaded!.p50Ms, 3)} | ${f(r.unloaded!.p99Ms, 3)} | ${f(r.unloaded!.p99Ms - bare.unloaded!.p99Ms, 3)} |`,
      ),
      "",
    );
  }
  if (meta.rateLimiter?.length) {
    lines.push(
      "## Rate limiter under load (re-run in the same `npm run bench`)",
      "",
      "Accuracy: 64 keep-alive connections for 10 s on one `PB_RATE_LIMIT=20/1s` rule",
      "(`tests/ratelimit/concurrency.integration.test.ts`). Memory: distinct client addresses through a",
      "trusted `X-Forwarded-For` with a live client asking throughout (`tests/bench/ratelimit-memory.ts`).",
      "",
      ...meta.rateLimiter.map((l) => `- ${l}`),
      "",
    );
  }
  return lines.join("\n");
}

export function renderSvg(results: ScenarioSummary[]): string {
  const width = 640;
  const barH = 28;
  const gap = 14;
  const left = 230;
  const top = 40;
  const max = Math.max(...results.map((r) => r.rps));
  const bare = results.find((r) => r.id === "bare")!;
  const height = top + results.length * (barH + gap) + 20;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const bars = results
    .map((r, i) => {
      const y = top + i * (barH + gap);
      const w = Math.max(1, ((width - left - 90) * r.rps) / max);
      return [
        `<text x="${left - 8}" y="${y + barH / 2 + 5}" text-anchor="end" font-size="13">${esc(r.label)}</text>`,
        `<rect x="${left}" y="${y}" width="${f(w, 1)}" height="${barH}" fill="${r.id === "pbops" ? "#1055c9" : "#9aa7b8"}"/>`,
        `<text x="${left + w + 6}" y="${y + barH / 2 + 5}" font-size="12">${f(r.rps, 0)}/s (${f(r.rps / bare.rps)}x)</text>`,
      ].join("");
    })
    .join("\n  ");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `  <rect width="100%" height="100%" fill="white"/>`,
    `  <text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Requests per second (higher is better; ratio vs bare PocketBase)</text>`,
    `  ${bars}`,
    `</svg>`,
    "",
  ].join("\n");
}
