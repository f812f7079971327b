import { readFileSync } from "node:fs";
import { join } from "node:path";
// Real PocketBase, both pinned versions: the pb-ops hooks load and /api/ops/health tells the truth.
import PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchJson } from "../../toolkit/http";
import { ROOT } from "../../toolkit/paths";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { sleep } from "../../toolkit/wait";

const pkgVersion = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;

// Test-only hook: closes PocketBase's database handles, the way a lost disk or a crashed driver
// would leave them, so the health check has something real to fail on.
const BREAK_DB_HOOK = `routerAdd("POST", "/test/break-db", (e) => {
  $app.concurrentDB().close();
  $app.nonconcurrentDB().close();
  return e.json(200, { closed: true });
});
`;

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase;
  beforeAll(async () => {
    pb = await startPocketBase({ version, extraHooks: { "zz_break_db.pb.js": BREAK_DB_HOOK } });
  });
  afterAll(async () => pb?.stop());

  it("loads the hooks and answers /api/ops/health publicly with status, version and uptime", async () => {
    const { status, headers, body } = await fetchJson(`${pb.url}/api/ops/health`);
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(body).toMatchObject({ status: "ok", version: pkgVersion, checks: { database: { status: "ok" } } });
    expect(typeof body.uptimeSeconds).toBe("number");
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(body.uptimeSeconds).toBeLessThan(120);
  });

  it("uptime counts from boot", async () => {
    const first = (await fetchJson(`${pb.url}/api/ops/health`)).body.uptimeSeconds;
    await sleep(1100);
    const second = (await fetchJson(`${pb.url}/api/ops/health`)).body.uptimeSeconds;
    expect(second).toBeGreaterThan(first);
  });

  it("works for the real SDK client too", async () => {
    const client = new PocketBase(pb.url);
    const body = await client.send("/api/ops/health", { method: "GET" });
    expect(body.status).toBe("ok");
  });

  it("answers 503 failing when the database cannot be queried", async () => {
    const broke = await fetch(`${pb.url}/test/break-db`, { method: "POST" });
    expect(broke.status).toBe(200);
    const { status, body } = await fetchJson(`${pb.url}/api/ops/health`);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "failing", checks: { database: { status: "failing" } } });
    // Public endpoint: the error detail goes to the log, not the response.
    expect(JSON.stringify(body)).not.toMatch(/closed|sql/i);
    expect(pb.stderr()).toMatch(/health: database check failed/);
  });
});
