// What the request counters (issue 18, src/adapter/metrics-count.ts) cost per request, measured
// inside the real PocketBase JS VM: the counting post stage is called many times on one real
// request and timed with the VM's own clock (mean microseconds per call; the merge into the store,
// once a second or every 2000 requests, is included at the rate it happens). Target: <= 10 us.
// `npm run bench` adds this section to docs/bench.md; `npm run bench -- --metrics-only` runs it alone.
import type { RunningPocketBase } from "../toolkit/pocketbase";
import { fetchJson } from "../toolkit/http";

export const COUNTER_TARGET_US = 10;
const START = "<!-- metrics-cost:start -->";
const END = "<!-- metrics-cost:end -->";

/**
 * A route that times pb-ops's stages in the VM (profileStages in src/adapter/profile.ts, bundled
 * beside the hooks by bench/profiler-bundle.ts: the production bundles do not carry it).
 */
export const METRICS_COST_PROBE = `routerAdd("GET", "/api/bench-metrics-cost", (e) => {
  const timings = require(\`\${__hooks}/pb_ops_profile.js\`).profileStages(e, Number(e.request.url.query().get("n")) || 3000);
  e.response.header().del("Vary");
  return e.json(200, timings);
});
`;

export interface CounterCost {
  /** Mean us per call of the counting stage, one value per round. */
  roundsUs: number[];
  /** Mean us per call of all enabled stages together, one value per round (for scale). */
  allStagesUs: number[];
}

/** Runs `rounds` rounds of `n` calls against a PocketBase started with METRICS_COST_PROBE. */
export async function measureCounterCost(pb: RunningPocketBase, rounds = 9, n = 3000): Promise<CounterCost> {
  const out: CounterCost = { roundsUs: [], allStagesUs: [] };
  for (let r = 0; r < rounds; r++) {
    const { status, body } = await fetchJson(`${pb.url}/api/bench-metrics-cost?n=${n}`, {
      headers: { "User-Agent": "pb-ops-bench", Origin: "https://app.example.com" },
    });
    if (status !== 200) throw new Error(`metrics cost probe answered ${status}: ${JSON.stringify(body)}`);
    const t = body as Record<string, number>;
    const key = Object.keys(t).find((k) => k.endsWith(":countRequest"));
    if (!key) throw new Error(`the counting stage is not enabled (stages: ${Object.keys(t).join(", ")})`);
    out.roundsUs.push(t[key]!);
    out.allStagesUs.push(t["all stages"]!);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function counterVerdict(c: CounterCost): { medianUs: number; met: boolean } {
  const medianUs = median(c.roundsUs);
  return { medianUs, met: medianUs <= COUNTER_TARGET_US };
}

export function renderMetricsCostSection(
  c: CounterCost,
  meta: { date: string; command: string; pocketbase: string; cores: number; env: string },
): string {
  const v = counterVerdict(c);
  return [
    "## Request counters (issue 18): cost per request",
    "",
    `Run: \`${meta.command}\` on ${meta.date}, ${meta.cores} cores, PocketBase ${meta.pocketbase}, ${meta.env}.`,
    "The counting post stage (src/adapter/metrics-count.ts), timed inside the PocketBase JS VM over 3000 calls per round on one real request; its merge into `$app.store()` (once a second or every 2000 requests) is included at the rate it happens.",
    "",
    "| | median | fastest | rounds |",
    "| --- | --- | --- | --- |",
    `| counting stage, us per request | **${v.medianUs}** | ${Math.min(...c.roundsUs)} | ${c.roundsUs.join(", ")} |`,
    `| all pb-ops stages together, us per request (for scale) | ${median(c.allStagesUs)} | ${Math.min(...c.allStagesUs)} | ${c.allStagesUs.join(", ")} |`,
    "",
    `Target: at most ${COUNTER_TARGET_US} us per request (median of the rounds): **${v.met ? "met" : "NOT met"}**. The rounds share a 2-core machine with whatever else runs; the fastest round is the cost without interference, the spread is the machine.`,
    "",
  ].join("\n");
}

/** Replaces the marked section of an existing bench.md, or appends it. */
export function spliceMetricsCostSection(markdown: string, section: string): string {
  const marked = `${START}\n${section}${END}\n`;
  const a = markdown.indexOf(START);
  const b = markdown.indexOf(END);
  if (a === -1 || b === -1 || b < a) return markdown.replace(/\n*$/, "\n\n") + marked;
  return markdown.slice(0, a) + marked + markdown.slice(b + END.length + 1);
}
