// The "realtime clients and the VM pool" rows of docs/bench.md (issue 22). Pure.

/**
 * "pbops" is the full stack, "defaults" pb-ops with no PB_* variable set, as installed. "floor" and
 * "floorDefaults" make the Go calls of each inline (bench/floor-middleware.ts): pb-ops makes the same
 * calls with more JS around them, so floor / no-op is the ceiling that pb-ops row / no-op is held to.
 */
export type PoolImpl = "bare" | "noop" | "floor" | "floorDefaults" | "defaults" | "pbops";

/** The Go-calls-alone row that sets each pb-ops row's ceiling. */
const FLOOR_OF = { pbops: "floor", defaults: "floorDefaults" } as const;

export interface PoolRow {
  /** "default" is PocketBase's own --hooksPool (15); "kit" is PB_HOOKS_POOL's default. */
  pool: "default" | "kit";
  poolSize: number;
  /** SSE clients (GET /api/realtime kept open) during the load. */
  sse: number;
  impl: PoolImpl;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
}

export interface PoolMeta {
  connections: number;
  seconds: number;
  rounds: number;
  route: string;
  /** Extra environment of the pb-ops rows, as shown (e.g. the full stack). */
  features: string;
}

/** The two pb-ops rows the targets are checked for. */
const PB_OPS_IMPLS = ["pbops", "defaults"] as const;
type PbOpsImpl = (typeof PB_OPS_IMPLS)[number];

export interface PoolTargets {
  /** Default pool: pb-ops / no-op at each SSE count (target >= 0.8), with the ceiling the floor row sets. */
  vsNoop: { impl: PbOpsImpl; sse: number; ratio: number; met: boolean; ceiling?: number }[];
  /** Kit pool: pb-ops at the most SSE clients / pb-ops at none (target >= 0.8). */
  kitHold: { impl: PbOpsImpl; sse: number; ratio: number; met: boolean }[];
  /** pb-ops RSS at the most SSE clients, per pool (target < 256 MB), with the floor's beside it. */
  rss: { impl: PbOpsImpl; pool: string; sse: number; rssMb: number; met: boolean; floorMb?: number }[];
}

const find = (rows: PoolRow[], pool: string, sse: number, impl: PoolImpl) =>
  rows.find((r) => r.pool === pool && r.sse === sse && r.impl === impl);

export function poolTargets(rows: PoolRow[]): PoolTargets {
  const sseCounts = [...new Set(rows.map((r) => r.sse))].sort((a, b) => a - b);
  const most = sseCounts[sseCounts.length - 1] ?? 0;
  const t: PoolTargets = { vsNoop: [], kitHold: [], rss: [] };
  for (const impl of PB_OPS_IMPLS) {
    for (const sse of sseCounts) {
      const p = find(rows, "default", sse, impl);
      const n = find(rows, "default", sse, "noop");
      const floor = find(rows, "default", sse, FLOOR_OF[impl]);
      if (p && n) t.vsNoop.push({ impl, sse, ratio: p.rps / n.rps, met: p.rps / n.rps >= 0.8, ceiling: floor && floor.rps / n.rps });
    }
    const k0 = find(rows, "kit", 0, impl);
    const kMost = find(rows, "kit", most, impl);
    if (k0 && kMost && most > 0) t.kitHold.push({ impl, sse: most, ratio: kMost.rps / k0.rps, met: kMost.rps / k0.rps >= 0.8 });
    for (const pool of ["default", "kit"]) {
      const r = find(rows, pool, most, impl);
      if (r && most > 0)
        t.rss.push({ impl, pool, sse: most, rssMb: r.rssMb, met: r.rssMb < 256, floorMb: find(rows, pool, most, FLOOR_OF[impl])?.rssMb });
    }
  }
  return t;
}

/** How the targets name each pb-ops row. */
export const POOL_IMPL_NAMES: Record<PoolImpl, string> = {
  bare: "bare PocketBase",
  noop: "no-op middleware",
  floor: "Go calls alone (full)",
  floorDefaults: "Go calls alone (defaults)",
  defaults: "pb-ops defaults",
  pbops: "pb-ops full stack",
};

const f = (n: number, d = 2) => n.toFixed(d);
const metText = (met: boolean) => (met ? "met" : "**not met**");

export function renderPoolSection(rows: PoolRow[], meta: PoolMeta): string {
  const t = poolTargets(rows);
  // Throughput columns are req/s.
  const groups: { pool: string; size: number; sse: number }[] = [];
  for (const r of rows)
    if (!groups.some((g) => g.pool === r.pool && g.sse === r.sse)) groups.push({ pool: r.pool, size: r.poolSize, sse: r.sse });
  const cell = (g: { pool: string; sse: number }, impl: PoolImpl) => find(rows, g.pool, g.sse, impl);
  const n = (x: number | undefined, d = 0) => (x === undefined ? "-" : f(x, d));
  const ratio = (a: PoolRow | undefined, b: PoolRow | undefined) => (a && b ? f(a.rps / b.rps) + "x" : "-");
  const throughput: string[] = [];
  const memory: string[] = [];
  for (const g of groups) {
    const noop = cell(g, "noop");
    const p = cell(g, "pbops");
    const head = `| ${g.pool} (${g.size}) | ${g.sse} |`;
    throughput.push(
      `${head} ${n(cell(g, "bare")?.rps)} | ${n(noop?.rps)} | ${n(cell(g, "floorDefaults")?.rps)} | ${n(cell(g, "defaults")?.rps)} | ${n(cell(g, "floor")?.rps)} | ${n(p?.rps)} | ${ratio(cell(g, "floorDefaults"), noop)} | ${ratio(cell(g, "defaults"), noop)} | ${ratio(cell(g, "floor"), noop)} | ${ratio(p, noop)} | ${ratio(p, find(rows, g.pool, 0, "pbops"))} |`,
    );
    memory.push(
      `${head} ${n(noop?.rssMb, 1)} | ${n(cell(g, "floorDefaults")?.rssMb, 1)} | ${n(cell(g, "defaults")?.rssMb, 1)} | ${n(cell(g, "floor")?.rssMb, 1)} | ${n(p?.rssMb, 1)} | ${n(p?.p50Ms, 3)} | ${n(p?.p99Ms, 3)} |`,
    );
  }
  const lines = [
    "## Realtime clients and the VM pool (issue 22)",
    "",
    `Each SSE client is a \`GET /api/realtime\` held open on loopback; a JS middleware keeps one VM busy for`,
    `each. Load as above: wrk, ${meta.connections} connections, \`GET ${meta.route}\`, ${meta.seconds} s x ${meta.rounds} rounds interleaved`,
    `per pool, medians. "Full" is the ${meta.features}; "defaults" is pb-ops with no PB_* variable set (request ids,`,
    'security headers, access log, request counters). "Go calls alone" is an inline middleware making the calls into Go that',
    "the full stack (or the defaults) makes per request, with as little JS as it can have (bench/floor-middleware.ts): pb-ops",
    "makes the same calls with more JS around them, so its ratio to the no-op is the ceiling for that stack in the run.",
    "",
    "Throughput, req/s:",
    "",
    "| Pool | SSE clients | bare | no-op | Go calls alone (defaults) | pb-ops defaults | Go calls alone (full) | pb-ops full | defaults: Go calls alone vs no-op | pb-ops defaults vs no-op | full: Go calls alone vs no-op | pb-ops full vs no-op | pb-ops full vs itself at 0 SSE |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...throughput,
    "",
    "RSS in MB after the last round, with the clients still open, and the full stack's latency:",
    "",
    "| Pool | SSE clients | no-op | Go calls alone (defaults) | pb-ops defaults | Go calls alone (full) | pb-ops full | full p50 ms | full p99 ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...memory,
  ];
  lines.push("", "Targets (issue 22):", "");
  for (const v of t.vsNoop)
    lines.push(
      `- default pool, ${v.sse} SSE clients: ${POOL_IMPL_NAMES[v.impl]} at **${f(v.ratio)}x** of the no-op middleware (target 0.80x): ${metText(v.met)}` +
        (v.ceiling !== undefined ? `; its Go calls alone reach ${f(v.ceiling)}x` : ""),
    );
  for (const k of t.kitHold)
    lines.push(
      `- kit pool, ${k.sse} SSE clients: ${POOL_IMPL_NAMES[k.impl]} at **${f(k.ratio)}x** of itself with none (target 0.80x): ${metText(k.met)}`,
    );
  for (const r of t.rss)
    lines.push(
      `- ${r.pool} pool, ${r.sse} SSE clients: ${POOL_IMPL_NAMES[r.impl]} RSS **${f(r.rssMb, 1)} MB** (target < 256 MB): ${metText(r.met)}` +
        (r.floorMb !== undefined ? `; its Go calls alone ${f(r.floorMb, 1)} MB` : ""),
    );
  lines.push("");
  return lines.join("\n");
}

const START = "<!-- pool-rows:start -->";
const END = "<!-- pool-rows:end -->";

/** The section between its markers, for writing into docs/bench.md. */
export function markedPoolSection(section: string): string {
  return `${START}\n${section}${END}\n`;
}

/** Replaces the marked section of an existing bench.md (a run of the pool rows alone), or appends it. */
export function splicePoolSection(markdown: string, section: string): string {
  const marked = markedPoolSection(section);
  const a = markdown.indexOf(START);
  const b = markdown.indexOf(END);
  if (a === -1 || b === -1 || b < a) return markdown.replace(/\n*$/, "\n\n") + marked;
  return markdown.slice(0, a) + marked + markdown.slice(b + END.length + 1);
}
