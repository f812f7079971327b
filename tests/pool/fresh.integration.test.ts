// Real PocketBase, both versions, with `--hooksPool 0`: PocketBase then makes a throwaway VM for
// EVERY request, so each request is the first pb-ops sees in its VM (docs/performance.md, "What one
// request in a throwaway VM costs"). Everything a first request does differently from a warm one
// must still be right there: the counters' first-request delta (src/metrics/counters.ts deltaOf,
// appended to the shared text instead of merged), the stage choice read from the boot-time stage
// part, the config sections, the access line without a prebuilt redactor, the proxy check's shared
// rest, and hot.js's plain `module.exports`.
import { afterEach, describe, expect, it } from "vitest";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { fetchJson } from "../../toolkit/http";
import { sleep } from "../../toolkit/wait";
import { parseStdout } from "../harness/logs";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";

const OPS_TOKEN = "fresh-vm-ops-token-0123456789abcdef";

type Family = { name: string; metrics: Array<{ labels?: Record<string, string>; value?: string }> };

async function requestsCounted(pb: RunningPocketBase, labels: Record<string, string>): Promise<number> {
  const res = await fetch(`${pb.url}/api/ops/metrics`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  expect(res.status).toBe(200);
  const fam = (parsePrometheusTextFormat(await res.text()) as Family[]).find((f) => f.name === "pbops_http_requests_total");
  let sum = 0;
  for (const m of fam?.metrics ?? []) if (Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)) sum += Number(m.value);
  return sum;
}

describe.each(POCKETBASE_VERSIONS)("PocketBase %s, every request in a new VM (--hooksPool 0)", (version: string) => {
  let pb: RunningPocketBase | undefined;
  afterEach(async () => {
    await pb?.stop();
    pb = undefined;
  });

  it("default stack: headers, access lines with the query redacted, and every request counted", async () => {
    pb = await startPocketBase({ version, superuser: false, serveArgs: ["--hooksPool", "0"], env: { PB_OPS_TOKEN: OPS_TOKEN } });
    const N = 30;
    // Counted before: the harness's own readiness probe (GET /api/health) was a request too.
    const before = await requestsCounted(pb, { method: "GET", status: "2xx", route: "api" });
    for (let i = 0; i < N; i++) {
      const res = await fetch(`${pb.url}/api/health?token=secret-${i}&page=${i}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9]{20}$/);
    }
    for (let i = 0; i < 5; i++) expect((await fetch(`${pb.url}/no-such-page-${i}`)).status).toBe(404);
    const lines = parseStdout(pb.stdout()).records.filter((r) => r.msg === "request" && r.path.startsWith("/api/health?"));
    expect(lines).toHaveLength(N);
    expect(lines.map((r) => r.path)).toEqual(Array.from({ length: N }, (_, i) => `/api/health?token=[redacted]&page=${i}`));
    // Every VM counted itself once: all of them beyond a pool of 0.
    const { body } = await fetchJson(`${pb.url}/api/ops/health`);
    expect(body.pool.size).toBe(0);
    expect(body.pool.beyondPool).toBeGreaterThanOrEqual(N + 5);
    // Each request was its VM's first: its count went in as a delta, and none is lost.
    expect((await requestsCounted(pb, { method: "GET", status: "2xx", route: "api" })) - before).toBe(N);
    expect(await requestsCounted(pb, { method: "GET", status: "4xx", route: "public" })).toBe(5);
  });

  it("full stack in new VMs only: the gate refuses, CORS answers, the limiter limits, and the counts add up", async () => {
    pb = await startPocketBase({
      version,
      superuser: false,
      serveArgs: ["--hooksPool", "0"],
      env: {
        PB_OPS_TOKEN: OPS_TOKEN,
        PB_ADMIN_PATH: "/fresh-Qm7vX2pL9wR4tZ8nB3k",
        PB_CORS_ORIGINS: "https://app.example.com",
        PB_RATE_LIMIT_RULES: "GET /api/collections/nope/records 5/60s name=nope",
      },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${pb.url}/api/collections/nope/records`, { headers: { Origin: "https://app.example.com" } });
      statuses.push(res.status);
      expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    }
    // The bucket lives in the store, so new VMs share it: 5 allowed (no such collection), then limited.
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429, 429]);
    const preflight = await fetch(`${pb.url}/api/health`, {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example.com", "Access-Control-Request-Method": "GET" },
    });
    expect(preflight.status).toBe(403);
    expect((await fetch(`${pb.url}/_/`)).status).toBe(404); // the hidden admin UI: a miss
    await sleep(200);
    const lines = parseStdout(pb.stdout()).records.filter((r) => r.msg === "request");
    expect(lines.filter((r) => r.path === "/api/collections/nope/records" && r.rateLimit === "limited")).toHaveLength(3);
    expect(lines.find((r) => r.path === "/_/")).toMatchObject({ status: 404, adminGate: expect.stringMatching(/^gate-/) });
    expect(await requestsCounted(pb, { method: "GET", status: "4xx", route: "collections" })).toBe(8);
    expect(await requestsCounted(pb, { method: "OPTIONS", status: "4xx", route: "api" })).toBe(1);
  });

  it("an untrusted proxy is still warned about once, with every VM new", async () => {
    pb = await startPocketBase({ version, superuser: false, serveArgs: ["--hooksPool", "0"] });
    const warnings = () => parseStdout(pb!.stdout()).records.filter((r) => /proxy PocketBase does not trust/.test(r.msg));
    for (let i = 0; i < 5; i++) await fetch(`${pb.url}/api/health`);
    expect(warnings()).toEqual([]);
    // A look without proxy headers lets every VM rest a second (shared): wait that out.
    await sleep(1100);
    for (let i = 0; i < 20; i++) await fetch(`${pb.url}/api/health`, { headers: { "do-connecting-ip": "203.0.113.20" } });
    await sleep(200);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ level: "WARN", proxyHeaders: ["do-connecting-ip"], ip: "127.0.0.1" });
  });
});
