// Real PocketBase, both versions: pool exhaustion is visible. Open realtime (SSE) clients each hold
// one pooled VM for as long as they stay (the middleware's e.next() runs inside it); with more of
// them than --hooksPool, PocketBase runs every further request in a throwaway VM. pb-ops counts
// those in /api/ops/health and logs one WARN naming the fix. The control runs the same traffic
// inside the pool and must report nothing.
import { afterEach, describe, expect, it } from "vitest";
import { expectBootRefused } from "./harness/boot";
import { fetchJson } from "./harness/http";
import { parseStdout } from "./harness/logs";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "./harness/pocketbase";
import { openSseClients, type SseClients } from "./harness/sse";

const EXHAUSTED = /VM pool exhausted/;

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase | undefined;
  let sse: SseClients | undefined;
  afterEach(async () => {
    sse?.close();
    sse = undefined;
    await pb?.stop();
    pb = undefined;
  });

  async function health() {
    const { status, body } = await fetchJson(`${pb!.url}/api/ops/health`);
    expect(status).toBe(200);
    return body.pool as { size: number; vmStarts: number; beyondPool: number };
  }

  it("reports requests run beyond an exhausted pool, and warns once with the fix", async () => {
    pb = await startPocketBase({ version, superuser: false, env: { PB_HOOKS_POOL: "2" }, serveArgs: ["--hooksPool", "2"] });
    sse = await openSseClients(pb.url, 3); // 2 pin the pool, the 3rd already runs in a throwaway VM
    for (let i = 0; i < 10; i++) expect((await fetch(`${pb.url}/api/health`)).status).toBe(200);
    const pool = await health();
    expect(pool.size).toBe(2);
    // 1 SSE client + 10 requests + this health request, each in its own throwaway VM.
    expect(pool.beyondPool).toBeGreaterThanOrEqual(11);
    expect(pool.vmStarts).toBe(pool.size + pool.beyondPool);
    const warns = parseStdout(pb.stdout()).records.filter((r) => EXHAUSTED.test(r.msg));
    // Rate-limited across all VMs: one line a minute, however many throwaway VMs ran.
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ level: "WARN", poolSize: 2 });
    expect(warns[0]!.msg).toContain("raise PB_HOOKS_POOL");
  });

  it("control: the same traffic inside the pool reports nothing", async () => {
    pb = await startPocketBase({ version, superuser: false });
    sse = await openSseClients(pb.url, 3);
    for (let i = 0; i < 10; i++) expect((await fetch(`${pb.url}/api/health`)).status).toBe(200);
    const pool = await health();
    expect(pool).toMatchObject({ size: 15, beyondPool: 0 });
    expect(pool.vmStarts).toBeGreaterThanOrEqual(4); // 3 pinned VMs + at least one for the requests
    expect(parseStdout(pb.stdout()).records.filter((r) => EXHAUSTED.test(r.msg))).toEqual([]);
  });

  it("says when PB_HOOKS_POOL is set but PocketBase was not started with that --hooksPool", async () => {
    pb = await startPocketBase({ version, superuser: false, env: { PB_HOOKS_POOL: "40" } });
    expect((await health()).size).toBe(15);
    const warn = parseStdout(pb.stdout()).records.find((r) => /PB_HOOKS_POOL is not in effect/.test(r.msg));
    expect(warn).toMatchObject({ level: "WARN", PB_HOOKS_POOL: 40, hooksPool: 15 });
  });

  it("control: with the flag passed, the pool size is the setting and nothing is said", async () => {
    pb = await startPocketBase({ version, superuser: false, env: { PB_HOOKS_POOL: "40" }, serveArgs: ["--hooksPool=40"] });
    expect((await health()).size).toBe(40);
    expect(parseStdout(pb.stdout()).records.filter((r) => /PB_HOOKS_POOL/.test(r.msg))).toEqual([]);
  });

  it.each([
    ["0", /out of range 1\.\.2000/],
    ["many", /not an integer/],
  ])("PB_HOOKS_POOL=%j stops boot with one line", (value, reason) => {
    expectBootRefused(version, "PB_HOOKS_POOL", value, reason);
  });
});
