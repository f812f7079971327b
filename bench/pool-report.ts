// The "realtime clients and the VM pool" rows of docs/bench.md (issue 22). Pure.

export type PoolImpl = "bare" | "noop" | "pbops";

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

export interface PoolTargets {
  /** Default pool: pb-ops / no-op at each SSE count (target >= 0.8). */
  vsNoop: { sse: number; ratio: number; met: boolean }[];
  /** Kit pool: pb-ops at the most SSE clients / pb-ops at none (target >= 0.8). */
  kitHold?: { sse: number; ratio: number; met: boolean };
  /** pb-ops RSS at the most SSE clients, per pool (target < 256 MB). */
  rss: { pool: string; sse: number; rssMb: number; met: boolean }[];
}

const find = (rows: PoolRow[], pool: string, sse: number, impl: PoolImpl) => rows.find((r) => r.pool === pool && r.sse === sse && r.impl === impl);

export function poolTargets(rows: PoolRow[]): PoolTargets {
  const sseCounts = [...new Set(rows.map((r) => r.sse))].sort((a, b) => a - b);
  const most = sseCounts[sseCounts.length - 1] ?? 0;
  const vsNoop: PoolTargets["vsNoop"] = [];
  for (const sse of sseCounts) {
    const p = find(rows, "default", sse, "pbops");
    const n = find(rows, "default", sse, "noop");
    if (p && n) vsNoop.push({ sse, ratio: p.rps / n.rps, met: p.rps / n.rps >= 0.8 });
  }
  const k0 = find(rows, "kit", 0, "pbops");
  const kMost = find(rows, "kit", most, "pbops");
  const kitHold = k0 && kMost && most > 0 ? { sse: most, ratio: kMost.rps / k0.rps, met: kMost.rps / k0.rps >= 0.8 } : undefined;
  const rss: PoolTargets["rss"] = [];
  for (const pool of ["default", "kit"]) {
    const r = find(rows, pool, most, "pbops");
    if (r && most > 0) rss.push({ pool, sse: most, rssMb: r.rssMb, met: r.rssMb < 256 });
  }
  return { vsNoop, kitHold, rss };
}

const f = (n: number, d = 2) => n.toFixed(d);
const metText = (met: boolean) => (met ? "met" : "**not met**");

export function renderPoolSection(rows: PoolRow[], meta: PoolMeta): string {
  const t = poolTargets(rows);
  const groups: { pool: string; size: number; sse: number }[] = [];
  for (const r of rows) if (!groups.some((g) => g.pool === r.pool && g.sse === r.sse)) groups.push({ pool: r.pool, size: r.poolSize, sse: r.sse });
  const cell = (g: { pool: string; sse: number }, impl: PoolImpl) => find(rows, g.pool, g.sse, impl);
  const lines = [
    "## Realtime clients and the VM pool (issue 22)",
    "",
    `Each SSE client is a \`GET /api/realtime\` held open on loopback; a JS middleware keeps one VM busy for`,
    `each. Load as above: wrk, ${meta.connections} connections, \`GET ${meta.route}\`, ${meta.seconds} s x ${meta.rounds} rounds interleaved`,
    `per pool, medians. pb-ops rows: ${meta.features}. RSS is read after the last round, with the clients still open.`,
    "",
    "| Pool | SSE clients | bare req/s | no-op req/s | pb-ops req/s | pb-ops vs no-op | pb-ops vs pb-ops at 0 SSE | pb-ops p50 ms | pb-ops p99 ms | no-op RSS MB | pb-ops RSS MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const g of groups) {
    const bare = cell(g, "bare");
    const noop = cell(g, "noop");
    const p = cell(g, "pbops");
    const p0 = find(rows, g.pool, 0, "pbops");
    const n = (x: number | undefined, d = 0) => (x === undefined ? "-" : f(x, d));
    lines.push(
      `| ${g.pool} (${g.size}) | ${g.sse} | ${n(bare?.rps)} | ${n(noop?.rps)} | ${n(p?.rps)} | ${p && noop ? f(p.rps / noop.rps) + "x" : "-"} | ${p && p0 ? f(p.rps / p0.rps) + "x" : "-"} | ${n(p?.p50Ms, 3)} | ${n(p?.p99Ms, 3)} | ${n(noop?.rssMb, 1)} | ${n(p?.rssMb, 1)} |`,
    );
  }
  lines.push("", "Targets (issue 22):", "");
  for (const v of t.vsNoop) lines.push(`- default pool, ${v.sse} SSE clients: pb-ops at **${f(v.ratio)}x** of the no-op middleware (target 0.80x): ${metText(v.met)}`);
  if (t.kitHold) lines.push(`- kit pool, ${t.kitHold.sse} SSE clients: pb-ops at **${f(t.kitHold.ratio)}x** of pb-ops with none (target 0.80x): ${metText(t.kitHold.met)}`);
  for (const r of t.rss) lines.push(`- ${r.pool} pool, ${r.sse} SSE clients: pb-ops RSS **${f(r.rssMb, 1)} MB** (target < 256 MB): ${metText(r.met)}`);
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
