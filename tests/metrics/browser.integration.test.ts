// The ops page in a real browser (Debian chromium via playwright-core), both PocketBase versions:
// through the gate it shows charts with data after a load run, under its own CSP with no
// violation and no script; a stranger gets, byte for byte, the same miss as for any /_/ path.
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { CHROMIUM, CHROMIUM_ARGS } from "../../scripts/chromium.mjs";
import { ROOT } from "../../toolkit/paths";
import {
  POCKETBASE_VERSIONS,
  POCKETBASE_NEWEST_FOR_DOCS,
  startPocketBase,
  superuserToken,
  type RunningPocketBase,
} from "../harness/metrics-page";
import { comparable, rawRequest } from "../harness/raw-http";
import { sleep, waitFor } from "../../toolkit/wait";

const ADMIN_PATH = "/Hq7vL2xP9mR4tW8nK3zb5";

/** Samples in the ring: the request-rate chart has one point per sample (its value is never null). */
async function sampleCount(pb: RunningPocketBase, token: string): Promise<number> {
  const res = await fetch(`${pb.url}/_/pb-ops`, { headers: { authorization: token } });
  expect(res.status).toBe(200);
  return Number(/data-points="(\d+)"/.exec(await res.text())![1]);
}

/**
 * Runs the minute sample now through PocketBase's own cron API. PocketBase starts the job in the
 * background and answers 204 at once (both versions), so wait until the sample is in the ring.
 */
async function triggerSample(pb: RunningPocketBase, token: string): Promise<void> {
  const before = await sampleCount(pb, token);
  const res = await fetch(`${pb.url}/api/crons/pbOpsMetrics`, { method: "POST", headers: { authorization: token } });
  expect(res.status).toBe(204);
  await waitFor(async () => (await sampleCount(pb, token)) !== before, 10_000, "a sample from the cron job");
}

describe.each(POCKETBASE_VERSIONS)("ops page on PocketBase %s", (version) => {
  let pb: RunningPocketBase;
  let browser: Browser;
  beforeAll(async () => {
    pb = await startPocketBase({
      version,
      serveArgs: ["--automigrate=false"],
      env: { PB_ADMIN_PATH: ADMIN_PATH, PB_RATE_LIMIT_RULES: "GET /api/collections/limited/records 20/60s name=limited" },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await pb?.stop();
  });

  it("a stranger gets the same miss for /_/pb-ops as for any /_/ path of that shape", async () => {
    const page = await rawRequest(pb.port, "GET", "/_/pb-ops");
    const other = await rawRequest(pb.port, "GET", "/_/zq-xwv");
    expect(page.status).toBe(404);
    expect(comparable(page)).toBe(comparable(other));
  });

  it("shows charts with data after a load run, through the gate, with no CSP violation", async () => {
    const token = await superuserToken(pb, ADMIN_PATH);
    await triggerSample(pb, token);
    // Bounded load: 300 requests, 8 at a time: pages, misses, API errors and 429s.
    const targets = ["/api/health", "/nope", "/api/collections/limited/records", "/api/collections/nope/records"];
    for (let i = 0; i < 300; i += 8)
      await Promise.all(targets.concat(targets).map((t) => fetch(`${pb.url}${t}`).then((r) => r.arrayBuffer())));
    // Wall-clock time: each VM merges its counts at most once a second, on its next request.
    await sleep(1100);
    await fetch(`${pb.url}/api/health`);
    await triggerSample(pb, token);

    const ctx = await browser.newContext();
    const violations: string[] = [];
    const p = await ctx.newPage();
    p.on("console", (m) => {
      if (/Content Security Policy|Refused/i.test(m.text())) violations.push(m.text());
    });
    await p.goto(`${pb.url}${ADMIN_PATH}`); // sets the gate cookie, redirects to /_/
    const res = await p.goto(`${pb.url}/_/pb-ops`);
    expect(res!.status()).toBe(200);
    expect(res!.headers()["content-security-policy"]).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(await p.locator("script").count()).toBe(0);
    const points = await p.locator("svg").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-points"))));
    expect(points.length).toBe(5);
    // Request rate, error rate, latency and 429s have samples; backup lag has none (no replica here).
    expect(points.slice(0, 4).every((n) => n >= 2)).toBe(true);
    expect(await p.locator("svg polyline").count()).toBeGreaterThanOrEqual(4);
    expect(violations).toEqual([]);
    // The screenshot proves the page rendered; docs/ops-page.png is refreshed from it only on
    // request (PBOPS_UPDATE_DOCS=1), so a test run never leaves the checkout changed.
    const shot = await p.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(1000);
    if (version === POCKETBASE_NEWEST_FOR_DOCS && process.env.PBOPS_UPDATE_DOCS === "1")
      writeFileSync(join(ROOT, "docs", "ops-page.png"), shot);
    await ctx.close();
  }, 60_000);
});
