// Real PocketBase, both versions: the VM pool is warmed at serve (src/adapter/warm.ts). Before any
// request, the first min(--hooksPool, 16) pooled VMs have loaded pb-ops's request path, so the
// first requests start no VM: /api/ops/health's pool count (one per VM that loaded the middleware)
// is already the warmed number, and concurrent first requests do not raise it. Readiness is told by
// Go's mux (`//` redirect), so no request has touched a VM before the test's own.
import { afterEach, describe, expect, it } from "vitest";
import { fetchJson } from "./harness/http";
import { parseStdout } from "./harness/logs";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "./harness/pocketbase";

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase | undefined;
  afterEach(async () => {
    await pb?.stop();
    pb = undefined;
  });

  async function pool() {
    const { status, body } = await fetchJson(`${pb!.url}/api/ops/health`);
    expect(status).toBe(200);
    return body.pool as { size: number; vmStarts: number; beyondPool: number };
  }
  const warmedLine = () => parseStdout(pb!.stdout()).records.filter((r) => r.msg === "VM pool warmed");

  it("warms the default pool of 15 before the first request; 8 concurrent first requests start no VM", async () => {
    pb = await startPocketBase({ version, superuser: false, readyProbe: "mux" });
    const [line] = warmedLine();
    expect(line).toMatchObject({ level: "INFO", vms: 15, of: 15 });
    const first = await Promise.all(Array.from({ length: 8 }, () => fetch(`${pb!.url}/api/health`)));
    for (const r of first) expect(r.status).toBe(200);
    expect(await pool()).toEqual({ size: 15, vmStarts: 15, beyondPool: 0 });
  });

  it("never warms beyond the pool (2), and at most 16 of a large one (40)", async () => {
    pb = await startPocketBase({ version, superuser: false, readyProbe: "mux", env: { PB_HOOKS_POOL: "2" }, serveArgs: ["--hooksPool", "2"] });
    expect(warmedLine()[0]).toMatchObject({ vms: 2, of: 2 });
    expect(await pool()).toEqual({ size: 2, vmStarts: 2, beyondPool: 0 });
    await pb.stop();
    pb = await startPocketBase({ version, superuser: false, readyProbe: "mux", env: { PB_HOOKS_POOL: "40" }, serveArgs: ["--hooksPool", "40"] });
    expect(warmedLine()[0]).toMatchObject({ vms: 16, of: 40 });
    expect((await pool()).vmStarts).toBe(16);
  });

  it("the warm-up job run again from the dashboard's cron list stops at the first warm VM", async () => {
    pb = await startPocketBase({ version, readyProbe: "mux" });
    const token = await pb.superuserToken();
    const before = await pool();
    const res = await fetch(`${pb.url}/api/crons/__pbOpsWarmPool__`, { method: "POST", headers: { Authorization: token } });
    expect(res.status).toBe(204);
    await new Promise((r) => setTimeout(r, 300)); // PocketBase runs a triggered job in the background
    expect(await pool()).toEqual(before);
    expect(warmedLine()).toHaveLength(1);
    expect(pb.stderr()).not.toMatch(/warm/i);
  });
});
