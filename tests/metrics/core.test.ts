// The pure metrics modules (src/metrics/): the counter layout, the per-VM merge, the Prometheus
// exposition read back by the npm parser, the 24 h ring and the ops page's CSP hash; and the bench
// section that reports the counters' cost.
import { createHash } from "node:crypto";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { MAX_EXTRA_KEYS, mergeInto, newLocal, parseTotals, record, reset, type RequestFacts } from "../../src/metrics/counters";
import { formatMetrics, type Gauges } from "../../src/metrics/exposition";
import {
  BUCKETS_MS,
  bucketSlot,
  methodIndex,
  METHODS,
  NB,
  OFF_429,
  OFF_BUCKETS,
  OFF_SUM_MS,
  requestSlot,
  routeIndex,
  ROUTE_CLASSES,
  SLOTS,
  statusIndex,
  STATUS_CLASSES,
} from "../../src/metrics/layout";
import { pageCsp, renderPage, STYLE } from "../../src/metrics/page";
import { emptyRing, quantileMs, RING_CAPACITY, takeSample } from "../../src/metrics/ring";
import { counterVerdict, renderMetricsCostSection, spliceMetricsCostSection } from "../../bench/metrics-cost";

const facts = (f: Partial<RequestFacts>): RequestFacts => ({ method: "GET", path: "/", status: 200, durationMs: 3, ...f });

describe("counter layout", () => {
  it("gives every (method, status class, route class), bucket, sum and 429 counter its own slot", () => {
    const seen = new Set<number>();
    for (let m = 0; m < METHODS.length; m++)
      for (let s = 0; s < STATUS_CLASSES.length; s++) for (let r = 0; r < ROUTE_CLASSES.length; r++) seen.add(requestSlot(m, s, r));
    for (let r = 0; r < ROUTE_CLASSES.length; r++) {
      for (const ms of [...BUCKETS_MS, 1e9]) seen.add(bucketSlot(r, ms));
      seen.add(OFF_SUM_MS + r);
      seen.add(OFF_429 + r);
    }
    expect(seen.size).toBe(METHODS.length * STATUS_CLASSES.length * ROUTE_CLASSES.length + ROUTE_CLASSES.length * (NB + 2));
    expect(Math.max(...seen)).toBe(SLOTS - 1);
    expect(Math.min(...seen)).toBe(0);
  });

  it("puts a duration in the first bucket whose bound holds it, beyond the last in +Inf", () => {
    expect(bucketSlot(0, 0)).toBe(OFF_BUCKETS);
    expect(bucketSlot(0, 1)).toBe(OFF_BUCKETS);
    expect(bucketSlot(0, 2)).toBe(OFF_BUCKETS + 1);
    expect(bucketSlot(0, 3)).toBe(OFF_BUCKETS + 2);
    expect(bucketSlot(2, 10001)).toBe(OFF_BUCKETS + 2 * NB + BUCKETS_MS.length);
  });

  it.each([
    ["/_/", "admin"],
    ["/_", "admin"],
    ["/_x", "public"],
    ["/", "public"],
    ["/api", "api"],
    ["/apix", "public"],
    ["/api/health", "api"],
    ["/api/collections/posts/records", "collections"],
    ["/api/realtime", "realtime"],
    ["/api/ops/metrics", "ops"],
    ["/api/files/a/b/c.png", "files"],
  ])("%s is route class %s", (path, cls) => {
    expect(ROUTE_CLASSES[routeIndex(path)]).toBe(cls);
  });

  it("classes methods and statuses, odd ones included", () => {
    expect(METHODS[methodIndex("PATCH")]).toBe("PATCH");
    expect(METHODS[methodIndex("PROPFIND")]).toBe("other");
    expect([99, 101, 204, 302, 404, 429, 503, 999].map((s) => STATUS_CLASSES[statusIndex(s)])).toEqual([
      "1xx",
      "1xx",
      "2xx",
      "3xx",
      "4xx",
      "4xx",
      "5xx",
      "5xx",
    ]);
  });
});

describe("per-VM counts and their merge", () => {
  it("two VMs merged into the shared text add up, and reset leaves nothing pending", () => {
    const a = newLocal();
    const b = newLocal();
    record(a, facts({ status: 404 }));
    record(a, facts({ status: 429, path: "/api/collections/x/records", rateLimit: "limited", rateLimitRule: "r1" }));
    record(
      b,
      facts({ method: "POST", status: 201, path: "/api/collections/x/records", rateLimit: "allowed", rateLimitRule: "r1", durationMs: 40 }),
    );
    record(b, facts({ path: "/_/", status: 404, adminGate: "no-cookie" }));
    const shared = mergeInto(mergeInto(undefined, a), b);
    const t = parseTotals(shared);
    expect(t.counts.reduce((x, y) => x + y, 0)).toBe(4 /* requests */ + 4 /* buckets */ + 3 + 3 + 40 + 3 /* sums (ms) */ + 1 /* 429 */);
    expect(t.counts[requestSlot(methodIndex("POST"), 1, routeIndex("/api/collections/x/records"))]).toBe(1);
    expect(t.counts[OFF_429 + 1]).toBe(1);
    expect(t.extra).toEqual({ "rl\u0000limited\u0000r1": 1, "rl\u0000allowed\u0000r1": 1, "gate\u0000no-cookie": 1 });
    reset(a);
    expect(a.pending).toBe(0);
    expect(parseTotals(mergeInto(shared, a))).toEqual(t);
  });

  it("bounds the labelled counters: keys past the limit go to one overflow count", () => {
    const l = newLocal();
    for (let i = 0; i < MAX_EXTRA_KEYS + 5; i++) record(l, facts({ rateLimit: "allowed", rateLimitRule: `rule${i}` }));
    const t = parseTotals(mergeInto(undefined, l));
    expect(Object.keys(t.extra).length).toBe(MAX_EXTRA_KEYS + 1);
    expect(t.extra.overflow).toBe(5);
  });

  it("pads totals stored by a shorter layout", () => {
    expect(parseTotals(JSON.stringify({ counts: [1, 2], extra: {} })).counts.length).toBe(SLOTS);
  });
});

type Family = {
  name: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }>;
};

const GAUGES: Gauges = {
  version: "1.2.3",
  uptimeSeconds: 42,
  dbBytes: 4096,
  walBytes: 0,
  backup: { state: "degraded", lagSeconds: 7.5, lastUploadMs: 1_700_000_000_000 },
  drill: { ok: true, atMs: 1_700_000_000_000 - 90_000, durationMs: 1500 },
  nowMs: 1_700_000_000_000,
  vmStarts: { total: 17, beyondPool: 2, poolSize: 15 },
  leaseRole: "standby",
};

describe("Prometheus exposition, read by the npm parser", () => {
  const l = newLocal();
  for (let i = 0; i < 3; i++) record(l, facts({ durationMs: 4 }));
  record(l, facts({ path: "/api/health", status: 500, durationMs: 30 }));
  record(l, facts({ path: "/api/x", status: 429, rateLimit: "limited", rateLimitRule: 'odd "rule"\\x' }));
  record(l, facts({ path: "/_/", status: 404, adminGate: "no-cookie" }));
  const text = formatMetrics(parseTotals(mergeInto(undefined, l)), GAUGES);
  const fams = parsePrometheusTextFormat(text) as Family[];
  const fam = (n: string) => fams.find((f) => f.name === n)!;
  const val = (n: string, labels: Record<string, string> = {}) =>
    fam(n)
      .metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
      .reduce((a, m) => a + Number(m.value), 0);

  it("gives the counts recorded, by label", () => {
    expect(fam("pbops_http_requests_total").type).toBe("COUNTER");
    expect(val("pbops_http_requests_total", { method: "GET", status: "2xx", route: "public" })).toBe(3);
    expect(val("pbops_http_requests_total", { status: "5xx", route: "api" })).toBe(1);
    expect(val("pbops_http_requests_total")).toBe(6);
    expect(val("pbops_http_too_many_requests_total", { route: "api" })).toBe(1);
    expect(val("pbops_ratelimit_decisions_total", { decision: "limited", rule: 'odd "rule"\\x' })).toBe(1);
    expect(val("pbops_admin_gate_refusals_total", { reason: "no-cookie" })).toBe(1);
  });

  it("gives the gauges: backup one-hot, lag, drill, database, pool, uptime, version", () => {
    expect(val("pbops_backup_state", { state: "degraded" })).toBe(1);
    expect(val("pbops_backup_state")).toBe(1);
    expect(val("pbops_backup_lag_seconds")).toBe(7.5);
    expect(val("pbops_backup_last_upload_timestamp_seconds")).toBe(1_700_000_000);
    expect(val("pbops_restore_drill_success")).toBe(1);
    expect(val("pbops_restore_drill_age_seconds")).toBe(90);
    expect(val("pbops_restore_drill_duration_seconds")).toBe(1.5);
    expect(val("pbops_database_bytes")).toBe(4096);
    expect(val("pbops_vm_throwaway_total")).toBe(2);
    expect(val("pbops_lease_role", { role: "standby" })).toBe(1);
    expect(val("pbops_lease_role")).toBe(1);
    expect(val("pbops_uptime_seconds")).toBe(42);
    expect(fam("pbops_info").metrics[0]!.labels).toEqual({ version: "1.2.3" });
  });

  it("writes cumulative histogram buckets with +Inf equal to the count", () => {
    const only = text
      .split("\n")
      .filter(
        (x) =>
          x.startsWith("# TYPE pbops_http_request_duration_seconds ") ||
          (x.startsWith("pbops_http_request_duration_seconds") && x.includes('route="public"')),
      );
    const h = (parsePrometheusTextFormat(only.join("\n") + "\n") as Family[])[0]!;
    expect(h.type).toBe("HISTOGRAM");
    const b = h.metrics[0]!.buckets!;
    expect(b["0.001"]).toBe("0");
    expect(b["0.005"]).toBe("3");
    expect(b["+Inf"]).toBe("3"); // the 3 page hits; the gate refusal on /_/ is route class admin
  });

  it("leaves out gauges it does not know", () => {
    const t = formatMetrics(parseTotals(undefined), {
      ...GAUGES,
      backup: null,
      drill: null,
      dbBytes: null,
      walBytes: null,
      vmStarts: null,
      leaseRole: null,
    });
    expect(t).not.toMatch(/^pbops_(backup|restore_drill|database|vm|lease)_/m);
    expect(() => parsePrometheusTextFormat(t)).not.toThrow();
  });
});

describe("the 24 h ring", () => {
  it("samples the differences since the last sample, per minute, and keeps 1440", () => {
    const l = newLocal();
    for (let i = 0; i < 90; i++) record(l, facts({ durationMs: 4 }));
    for (let i = 0; i < 10; i++) record(l, facts({ status: 502, durationMs: 600 }));
    for (let i = 0; i < 6; i++) record(l, facts({ status: 429 }));
    const t1 = parseTotals(mergeInto(undefined, l));
    let ring = takeSample(emptyRing(0), t1, 120_000, 3); // two minutes since boot
    const s = ring.samples[0]!;
    expect(s.rpm).toBe(53);
    expect(s.errPct).toBe(9.43);
    expect(s.tooMany).toBe(3);
    expect(s.lagS).toBe(3);
    expect(s.p50).toBeGreaterThan(2);
    expect(s.p50).toBeLessThanOrEqual(5);
    expect(s.p99).toBeGreaterThan(500);
    expect(s.p99).toBeLessThanOrEqual(1000);
    // Nothing new: zero rate, no latency.
    ring = takeSample(ring, t1, 180_000, null);
    expect(ring.samples[1]).toMatchObject({ rpm: 0, errPct: 0, p50: null, p99: null, tooMany: 0 });
    for (let i = 0; i < RING_CAPACITY + 10; i++) ring = takeSample(ring, t1, 240_000 + i * 60_000, null);
    expect(ring.samples.length).toBe(RING_CAPACITY);
    expect(ring.samples[RING_CAPACITY - 1]!.t).toBe(240_000 + (RING_CAPACITY + 9) * 60_000);
  });

  it("interpolates quantiles inside a bucket like Prometheus", () => {
    const b = new Array<number>(NB).fill(0);
    b[2] = 10; // (2, 5] ms
    expect(quantileMs(b, 0.5)).toBe(3.5);
    expect(quantileMs(new Array<number>(NB).fill(0), 0.5)).toBeNull();
  });
});

describe("the ops page", () => {
  const html = renderPage({
    nowMs: 1_700_000_000_000,
    version: "1.2.3",
    uptimeSeconds: 3700,
    samples: [
      { t: 1_700_000_000_000 - 60_000, rpm: 10, errPct: 0, p50: 3, p99: 9, tooMany: 0, lagS: 1 },
      { t: 1_700_000_000_000, rpm: 12, errPct: 5, p50: 4, p99: 20, tooMany: 2, lagS: null },
    ],
    health: { status: "ok", detail: [] },
    backup: { status: "failing", detail: ["<script>alert(1)</script>"] },
    audit: { status: "warn", detail: [] },
    drill: { status: "never", detail: [] },
    refreshSeconds: 60,
  });

  it("allows its one inline style by the SHA-256 in its CSP, and nothing else", () => {
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(styles).toEqual([STYLE]);
    const hash = createHash("sha256").update(styles[0]!, "utf8").digest("base64");
    expect(pageCsp()).toBe(`default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
    expect(html).not.toMatch(/<script|\son[a-z]+=|javascript:|https?:\/\//i);
  });

  it("escapes what it shows and draws five charts with their points", () => {
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const points = [...html.matchAll(/data-points="(\d+)"/g)].map((m) => Number(m[1]));
    expect(points).toEqual([2, 2, 4, 2, 1]);
    expect(html).toContain("up 1 h 1 min");
  });
});

describe("bench: the counters' cost section", () => {
  const c = { roundsUs: [9, 4, 12], allStagesUs: [50, 40, 60] };
  it("judges the median against 10 us and splices into bench.md in place", () => {
    expect(counterVerdict(c)).toEqual({ medianUs: 9, met: true });
    expect(counterVerdict({ ...c, roundsUs: [11, 30, 2] }).met).toBe(false);
    const section = renderMetricsCostSection(c, { date: "d", command: "npm run bench", pocketbase: "v0.40.4", cores: 2, env: "e" });
    expect(section).toContain("| counting stage, us per request | **9** | 4 | 9, 4, 12 |");
    const once = spliceMetricsCostSection("# bench\n", section);
    const twice = spliceMetricsCostSection(once + "\nafter\n", section.replace("**9**", "**8**"));
    expect(twice.match(/metrics-cost:start/g)!.length).toBe(1);
    expect(twice).toContain("**8**");
    expect(twice).toContain("after");
  });
});

describe("the Grafana dashboard (docs/grafana/pb-ops-dashboard.json)", () => {
  it("queries a Prometheus data source, and only metrics pb-ops exports", async () => {
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { ROOT } = await import("../../toolkit/paths");
    const dash = JSON.parse(readFileSync(join(ROOT, "docs/grafana/pb-ops-dashboard.json"), "utf8")) as {
      __inputs: { pluginId: string }[];
      panels: { datasource: { type: string }; targets: { expr: string }[] }[];
    };
    expect(dash.__inputs.map((i) => i.pluginId)).toEqual(["prometheus"]);
    const l = newLocal();
    record(l, facts({ rateLimit: "allowed", rateLimitRule: "r", adminGate: "no-cookie" }));
    const exported = new Set(
      (parsePrometheusTextFormat(formatMetrics(parseTotals(mergeInto(undefined, l)), GAUGES)) as Family[]).flatMap((f) =>
        f.type === "HISTOGRAM" ? [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name],
      ),
    );
    const used = new Set<string>();
    for (const p of dash.panels) {
      expect(p.datasource.type).toBe("prometheus");
      for (const t of p.targets) for (const m of t.expr.matchAll(/\bpbops_[a-z_]+/g)) used.add(m[0]);
    }
    expect(used.size).toBeGreaterThanOrEqual(14);
    for (const name of used) expect(exported, name).toContain(name);
  });
});
