// GET /api/ops/metrics on both PocketBase versions, read with a real Prometheus text parser from npm
// (parse-prometheus-text-format, a port of Prometheus's own client parser), not our code: the
// counters move by exactly the requests made (method, status class, route class, latency
// histogram, 429s, rate-limit decisions by rule, admin gate refusals), and the gauges are there.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchJson } from "./harness/http";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "./harness/pocketbase";
import { superuserToken } from "./harness/metrics-page";

const OPS_TOKEN = "opsToken-metrics-4c1e9a7b3d5f2e8a0c6b";
const ADMIN_PATH = "/Hq7vL2xP9mR4tW8nK3zb5";

type Family = { name: string; type: string; metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }> };

async function scrape(pb: RunningPocketBase): Promise<Family[]> {
  const res = await fetch(`${pb.url}/api/ops/metrics`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await res.text()) as Family[];
}

/** Sum of a family's samples whose labels include `match`. */
function value(fams: Family[], name: string, match: Record<string, string> = {}): number {
  const f = fams.find((x) => x.name === name);
  if (!f) return 0;
  let sum = 0;
  for (const m of f.metrics) if (Object.entries(match).every(([k, v]) => m.labels?.[k] === v)) sum += Number(m.value ?? m.count ?? 0);
  return sum;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
      env: { PB_OPS_TOKEN: OPS_TOKEN, PB_ADMIN_PATH: ADMIN_PATH, PB_RATE_LIMIT_RULES: "GET /api/collections/limited/records 3/60s name=limited" },
    });
  }, 60_000);
  afterAll(async () => {
    await pb?.stop();
  });

  it("answers 401 without the token or a superuser; a superuser reads it", async () => {
    expect((await fetchJson(`${pb.url}/api/ops/metrics`)).status).toBe(401);
    expect((await fetchJson(`${pb.url}/api/ops/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token-wrong" } })).status).toBe(401);
    const su = await fetch(`${pb.url}/api/ops/metrics`, { headers: { authorization: await superuserToken(pb, ADMIN_PATH) } });
    expect(su.status).toBe(200);
    expect(await su.text()).toMatch(/^pbops_info\{version="\d+\.\d+\.\d+[^"]*"\} 1$/m);
  });

  it("counts exactly the requests made, parsed by a real Prometheus parser", async () => {
    await settle(pb);
    const before = await scrape(pb);
    for (let i = 0; i < 5; i++) await fetch(`${pb.url}/api/collections/limited/records`); // no such collection: 3 allowed (404), 2 limited (429)
    for (let i = 0; i < 4; i++) await fetch(`${pb.url}/no-such-page-${i}`); // 404, public
    for (let i = 0; i < 2; i++) await fetch(`${pb.url}/api/collections/nope/records`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    await fetch(`${pb.url}/_/`); // refused by the gate: a miss
    await settle(pb);
    const after = await scrape(pb);
    const d = (name: string, match: Record<string, string> = {}) => value(after, name, match) - value(before, name, match);

    expect(d("pbops_http_requests_total", { method: "GET", status: "4xx", route: "collections" })).toBe(5);
    expect(d("pbops_http_requests_total", { method: "GET", status: "4xx", route: "public" })).toBe(4);
    expect(d("pbops_http_requests_total", { method: "POST", status: "4xx", route: "collections" })).toBe(2);
    expect(d("pbops_http_requests_total", { method: "GET", status: "4xx", route: "admin" })).toBe(1);
    // The first scrape and the settling health request, both counted after their handler ran.
    expect(d("pbops_http_requests_total", { method: "GET", status: "2xx", route: "ops" })).toBe(2);
    expect(d("pbops_http_requests_total")).toBe(5 + 4 + 2 + 1 + 2);
    expect(d("pbops_http_too_many_requests_total", { route: "collections" })).toBe(2);
    expect(d("pbops_ratelimit_decisions_total", { decision: "allowed", rule: "limited" })).toBe(3);
    expect(d("pbops_ratelimit_decisions_total", { decision: "limited", rule: "limited" })).toBe(2);
    expect(d("pbops_admin_gate_refusals_total")).toBe(1);

    // The histogram, read by the parser as one (cumulative buckets, +Inf = count). This parser
    // drops the route label and the _count of labelled histogram series (a known gap of it), so only
    // the bucket shape is checked here; counts are checked exactly above.
    const h = after.find((f) => f.name === "pbops_http_request_duration_seconds")!;
    expect(h.type).toBe("HISTOGRAM");
    expect(h.metrics.length).toBeGreaterThan(0);
    for (const m of h.metrics) {
      const counts = Object.values(m.buckets ?? {}).map(Number);
      expect(counts.length).toBeGreaterThan(0);
      for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    }
  });

  it("reports uptime, version, database and WAL size, backup state and the pool", async () => {
    const f = await scrape(pb);
    expect(value(f, "pbops_uptime_seconds")).toBeGreaterThanOrEqual(0);
    expect(value(f, "pbops_database_bytes")).toBeGreaterThan(0);
    expect(f.find((x) => x.name === "pbops_database_wal_bytes")).toBeDefined();
    // No replica configured here: the one-hot backup state says so.
    expect(value(f, "pbops_backup_state", { state: "unconfigured" })).toBe(1);
    expect(value(f, "pbops_backup_state")).toBe(1);
  });
});
