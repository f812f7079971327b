// The "realistic routes" and "cold start" rows of docs/bench.md (issue 21). Pure.

export type RouteImpl = "bare" | "noop" | "defaults" | "tuned";
export type RouteName = "health" | "list" | "view";

export interface RouteRow {
  route: RouteName;
  impl: RouteImpl;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

export interface ColdRow {
  impl: "bare" | "defaults";
  /** Mean ms per request over the first requests after boot (median over boots). */
  coldMs: number;
  /** The same burst on the same server once warm (median over boots). */
  warmMs: number;
  boots: number;
  requests: number;
}

export interface RoutesMeta {
  connections: number;
  seconds: number;
  rounds: number;
  records: number;
  listPath: string;
  viewPath: string;
  tuned: string;
  coldConcurrency: number;
}

export interface RouteTargets {
  /** pb-ops defaults / bare on the list route (target >= 0.9). */
  listVsBare?: { ratio: number; met: boolean };
  /** pb-ops cold / warm (target <= 2). */
  cold?: { ratio: number; met: boolean };
}

const find = (rows: RouteRow[], route: RouteName, impl: RouteImpl) => rows.find((r) => r.route === route && r.impl === impl);

export function routeTargets(rows: RouteRow[], cold: ColdRow[]): RouteTargets {
  const d = find(rows, "list", "defaults");
  const b = find(rows, "list", "bare");
  const c = cold.find((x) => x.impl === "defaults");
  return {
    listVsBare: d && b ? { ratio: d.rps / b.rps, met: d.rps / b.rps >= 0.9 } : undefined,
    cold: c ? { ratio: c.coldMs / c.warmMs, met: c.coldMs / c.warmMs <= 2 } : undefined,
  };
}

const f = (n: number, d = 2) => n.toFixed(d);
const metText = (met: boolean) => (met ? "met" : "**not met**");
const ROUTE_LABEL: Record<RouteName, string> = { health: "`GET /api/health`", list: "list 20 of a public collection, sorted and filtered", view: "view one record, signed in" };
const IMPL_LABEL: Record<RouteImpl, string> = { bare: "bare", noop: "no-op", defaults: "pb-ops defaults", tuned: "pb-ops tuned" };

export function renderRoutesSection(rows: RouteRow[], cold: ColdRow[], meta: RoutesMeta): string {
  const t = routeTargets(rows, cold);
  const routes = [...new Set(rows.map((r) => r.route))];
  const lines = [
    "## Realistic routes and cold start (issue 21)",
    "",
    `A collection \`posts\` of ${meta.records} records (list rule public, view rule signed-in users). List: \`GET ${meta.listPath}\`.`,
    `View: \`GET ${meta.viewPath}\` with a user's token. wrk, ${meta.connections} connections, ${meta.seconds} s x ${meta.rounds} rounds interleaved`,
    `across the four servers, medians. "pb-ops defaults" sets no PB_* variable; "pb-ops tuned" adds ${meta.tuned}.`,
    "",
    "| Route | bare req/s | no-op req/s | pb-ops defaults req/s | pb-ops tuned req/s | defaults vs bare | defaults vs no-op | tuned vs bare | defaults p50 ms | bare p50 ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const route of routes) {
    const c = (impl: RouteImpl) => find(rows, route, impl);
    const bare = c("bare");
    const noop = c("noop");
    const def = c("defaults");
    const tuned = c("tuned");
    const r = (a?: RouteRow, b?: RouteRow) => (a && b ? f(a.rps / b.rps) + "x" : "-");
    const n = (x: number | undefined, d = 0) => (x === undefined ? "-" : f(x, d));
    lines.push(`| ${ROUTE_LABEL[route]} | ${n(bare?.rps)} | ${n(noop?.rps)} | ${n(def?.rps)} | ${n(tuned?.rps)} | ${r(def, bare)} | ${r(def, noop)} | ${r(tuned, bare)} | ${n(def?.p50Ms, 3)} | ${n(bare?.p50Ms, 3)} |`);
  }
  const non2xx = rows.reduce((a, r) => a + r.non2xx, 0);
  lines.push("", `Non-2xx answers across these rows: ${non2xx}.`, "");
  if (cold.length) {
    lines.push(
      `Cold start: a fresh server on a copy of the same data, readiness told by Go's mux (a \`//\` redirect, no JS run), then`,
      `the first ${cold[0]!.requests} list requests over ${meta.coldConcurrency} keep-alive connections from Node; "warm" is the same burst on the same server after`,
      `2,000 more. Mean ms per request, median over ${cold[0]!.boots} boots (client time included, so both columns carry Node's overhead).`,
      "",
      "| Server | first requests ms | warm ms | cold vs warm |",
      "|---|---:|---:|---:|",
    );
    for (const c of cold) lines.push(`| ${IMPL_LABEL[c.impl]} | ${f(c.coldMs, 3)} | ${f(c.warmMs, 3)} | ${f(c.coldMs / c.warmMs)}x |`);
    lines.push("");
  }
  lines.push("Targets (issue 21):", "");
  if (t.listVsBare) lines.push(`- list route: pb-ops defaults at **${f(t.listVsBare.ratio)}x** of bare (target 0.90x): ${metText(t.listVsBare.met)}`);
  if (t.cold) lines.push(`- cold start: pb-ops defaults' first requests at **${f(t.cold.ratio)}x** of warm (target 2x or less): ${metText(t.cold.met)}`);
  lines.push("");
  return lines.join("\n");
}

const START = "<!-- route-rows:start -->";
const END = "<!-- route-rows:end -->";

export function markedRoutesSection(section: string): string {
  return `${START}\n${section}${END}\n`;
}

/** Replaces the marked section of an existing bench.md, or appends it. */
export function spliceRoutesSection(markdown: string, section: string): string {
  const marked = markedRoutesSection(section);
  const a = markdown.indexOf(START);
  const b = markdown.indexOf(END);
  if (a === -1 || b === -1 || b < a) return markdown.replace(/\n*$/, "\n\n") + marked;
  return markdown.slice(0, a) + marked + markdown.slice(b + END.length + 1);
}
