// GET /api/ops/metrics on both PocketBase versions, read with a real Prometheus text parser from npm
// (parse-prometheus-text-format, a port of Prometheus's own client parser), not our code: the
// counters move by exactly the requests made (method, status class, route class, latency
// histogram, 429s, rate-limit decisions by rule, admin gate refusals), and the gauges are there.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchJson } from "../../toolkit/http";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { superuserToken } from "../harness/metrics-page";
import { sleep } from "../../toolkit/wait";

const OPS_TOKEN = "opsToken-metrics-4c1e9a7b3d5f2e8a0c6b";
const ADMIN_PATH = "/Hq7vL2xP9mR4tW8nK3zb5";

type Family = {
  name: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }>;
};

async function scrapeText(pb: RunningPocketBase): Promise<string> {
  const res = await fetch(`${pb.url}/api/ops/metrics`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

async function scrape(pb: RunningPocketBase): Promise<Family[]> {
  return parsePrometheusTextFormat(await scrapeText(pb)) as Family[];
}

/**
 * One route's latency histogram, parsed by the npm parser: it folds all series of a histogram into
 * one and drops their labels, so it is handed that family's lines for one route only. Buckets come
 * back as an object keyed by `le`; they are returned in ascending order of their bound.
 */
function histogram(text: string, route: string): { le: number; count: number }[] {
  const name = "pbops_http_request_duration_seconds";
  const lines = text.split("\n").filter((l) => l.startsWith(`# TYPE ${name} `) || (l.startsWith(name) && l.includes(`route="${route}"`)));
  const fam = (parsePrometheusTextFormat(lines.join("\n") + "\n") as Family[]).find((f) => f.name === name);
  if (!fam) return [];
  expect(fam.type).toBe("HISTOGRAM");
  expect(fam.metrics.length).toBe(1);
  return Object.entries(fam.metrics[0]!.buckets ?? {})
    .map(([le, n]) => ({ le: le === "+Inf" ? Infinity : Number(le), count: Number(n) }))
    .sort((a, b) => a.le - b.le);
}

/** Sum of a family's samples whose labels include `match`. */
function value(fams: Family[], name: string, match: Record<string, string> = {}): number {
  const f = fams.find((x) => x.name === name);
  if (!f) return 0;
  let sum = 0;
  for (const m of f.metrics) if (Object.entries(match).every(([k, v]) => m.labels?.[k] === v)) sum += Number(m.value ?? m.count ?? 0);
  return sum;
}

/** Each VM merges its counts at most once a second; sequential requests all run in the first pooled VM. */
async function settle(pb: RunningPocketBase): Promise<void> {
  await sleep(1100);
  expect((await fetchJson(`${pb.url}/api/ops/health`)).status).toBe(200);
}

describe.each(POCKETBASE_VERSIONS)("metrics on PocketBase %s", (version) => {
  let pb: RunningPocketBase;
  beforeAll(async () => {
    pb = await startPocketBase({
      version,
      serveArgs: ["--automigrate=false"],
      env: {
        PB_OPS_TOKEN: OPS_TOKEN,
        PB_ADMIN_PATH: ADMIN_PATH,
        PB_RATE_LIMIT_RULES: "GET /api/collections/limited/records 3/60s name=limited; GET /pages/* 3/60s name=pages",
      },
    });
  }, 60_000);
  afterAll(async () => {
    await pb?.stop();
  });

  it("answers 401 without the token or a superuser; a superuser reads it", async () => {
    expect((await fetchJson(`${pb.url}/api/ops/metrics`)).status).toBe(401);
    expect(
      (await fetchJson(`${pb.url}/api/ops/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token-wrong" } })).status,
    ).toBe(401);
    const su = await fetch(`${pb.url}/api/ops/metrics`, { headers: { authorization: await superuserToken(pb, ADMIN_PATH) } });
    expect(su.status).toBe(200);
    expect(await su.text()).toMatch(/^pbops_info\{version="\d+\.\d+\.\d+[^"]*"\} 1$/m);
  });

  it("counts exactly the requests made, parsed by a real Prometheus parser", async () => {
    await settle(pb);
    const beforeText = await scrapeText(pb);
    const before = parsePrometheusTextFormat(beforeText) as Family[];
    for (let i = 0; i < 5; i++) await fetch(`${pb.url}/api/collections/limited/records`); // no such collection: 3 allowed (404), 2 limited (429)
    // 404, public; the gate re-dispatches every miss, and the limiter's decision (3 allowed, then
    // a 429) comes back from the inner request.
    for (let i = 0; i < 4; i++) await fetch(`${pb.url}/pages/no-such-page-${i}`);
    for (let i = 0; i < 2; i++)
      await fetch(`${pb.url}/api/collections/nope/records`, {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json" },
      });
    await fetch(`${pb.url}/_/`); // refused by the gate: a miss
    await settle(pb);
    const afterText = await scrapeText(pb);
    const after = parsePrometheusTextFormat(afterText) as Family[];
    const d = (name: string, match: Record<string, string> = {}) => value(after, name, match) - value(before, name, match);

    expect(d("pbops_http_requests_total", { method: "GET", status: "4xx", route: "collections" })).toBe(5);
    expect(d("pbops_http_requests_total", { method: "GET", status: "4xx", route: "public" })).toBe(4);
    expect(d("pbops_http_too_many_requests_total", { route: "public" })).toBe(1);
    expect(d("pbops_ratelimit_decisions_total", { decision: "allowed", rule: "pages" })).toBe(3);
    expect(d("pbops_ratelimit_decisions_total", { decision: "limited", rule: "pages" })).toBe(1);
    expect(d("pbops_http_requests_total", { method: "POST", status: "4xx", route: "collections" })).toBe(2);
    expect(d("pbops_http_requests_total", { method: "GET", status: "4xx", route: "admin" })).toBe(1);
    // The first scrape and the settling health request, both counted after their handler ran.
    expect(d("pbops_http_requests_total", { method: "GET", status: "2xx", route: "ops" })).toBe(2);
    expect(d("pbops_http_requests_total")).toBe(5 + 4 + 2 + 1 + 2);
    expect(d("pbops_http_too_many_requests_total", { route: "collections" })).toBe(2);
    expect(d("pbops_ratelimit_decisions_total", { decision: "allowed", rule: "limited" })).toBe(3);
    expect(d("pbops_ratelimit_decisions_total", { decision: "limited", rule: "limited" })).toBe(2);
    expect(d("pbops_admin_gate_refusals_total")).toBe(1);

    // The latency histogram of the public route class: cumulative buckets, +Inf moved by exactly
    // the 4 page misses (the parser drops _count for labelled series; +Inf is the same number).
    const hb = histogram(beforeText, "public");
    const ha = histogram(afterText, "public");
    expect(ha.length).toBe(14);
    expect(ha[ha.length - 1]!.le).toBe(Infinity);
    for (let i = 1; i < ha.length; i++) expect(ha[i]!.count).toBeGreaterThanOrEqual(ha[i - 1]!.count);
    expect(ha[ha.length - 1]!.count - (hb[hb.length - 1]?.count ?? 0)).toBe(4);
  });

  it("reports uptime, version, database and WAL size, backup state and the pool", async () => {
    const f = await scrape(pb);
    expect(value(f, "pbops_uptime_seconds")).toBeGreaterThanOrEqual(0);
    expect(value(f, "pbops_database_bytes")).toBeGreaterThan(0);
    expect(f.find((x) => x.name === "pbops_database_wal_bytes")).toBeDefined();
    // No replica configured here: the one-hot backup state says so.
    expect(value(f, "pbops_backup_state", { state: "unconfigured" })).toBe(1);
    expect(value(f, "pbops_backup_state")).toBe(1);
    // The VM pool report (issue 22): at least the VM that ran these requests; sequential requests
    // need no throwaway VM.
    const size = value(f, "pbops_vm_pool_size");
    expect(size).toBeGreaterThan(0);
    expect(value(f, "pbops_vm_starts_total")).toBeGreaterThanOrEqual(1);
    expect(value(f, "pbops_vm_throwaway_total")).toBe(Math.max(0, value(f, "pbops_vm_starts_total") - size));
  });
});
