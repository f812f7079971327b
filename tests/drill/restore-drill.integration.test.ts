// The restore drill against the real stack on loopback, on both PocketBase versions: PocketBase +
// Litestream v0.5.18 replicating to versitygw. The drill (POST /api/ops/restore-drill, the same code
// the cron job runs) restores with the real Litestream, verifies the copy in a child PocketBase and
// compares row counts with the live database; it passes on a healthy replica and leaves nothing in
// TMPDIR. A corrupted replica object, then a truncated one, make it fail; the alert webhook (a
// receiver in this process) gets exactly one alert for the change, and one ERROR line is logged.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH, PREFIX, ltxFiles, startDrillStack, type DrillStack } from "../harness/drill-stack";
import { fetchJson } from "../../toolkit/http";
import { parseStdout } from "../harness/logs";
import { POCKETBASE_VERSIONS, type RunningPocketBase } from "../../toolkit/pocketbase";
import { WebhookReceiver } from "../harness/webhook";
import { sleep, waitFor } from "../../toolkit/wait";

const ROWS = 40;

describe.each(POCKETBASE_VERSIONS)("restore drill on PocketBase %s", (version) => {
  let stack: DrillStack;
  let pb: RunningPocketBase;
  let hook: WebhookReceiver;
  let tmp: string;
  const prefix = PREFIX;

  beforeAll(async () => {
    hook = new WebhookReceiver();
    await hook.start();
    stack = await startDrillStack(version, ROWS, { PB_ALERT_WEBHOOK: hook.url, PB_ALERT_COOLDOWN: "1s" });
    pb = stack.pb;
    tmp = stack.tmp;
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await hook?.stop();
  });

  it("passes on a healthy replica: integrity ok, row counts equal the live database at the restored TXID, temp copy deleted", async () => {
    // Quiet WAL (the drill only judges counts when nothing was written for 3 s).
    await sleep(3500);
    const res = await fetchJson(`${pb.url}/api/ops/restore-drill`, { method: "POST", headers: AUTH });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const b = res.body;
    expect(b).toMatchObject({ state: "passed", ok: true, step: "done", integrity: "ok", compared: true, trigger: "manual" });
    expect(b.txid).toBeGreaterThan(1);
    expect(b.restoredBytes).toBeGreaterThan(0);
    expect(b.durationMs).toBeGreaterThan(0);
    const notes = b.tables.find((t: any) => t.table === "notes");
    expect(notes).toEqual({ table: "notes", restored: ROWS, live: ROWS });
    expect(b.tables.find((t: any) => t.table === "_superusers")).toEqual({ table: "_superusers", restored: 1, live: 1 });
    // Nothing left in TMPDIR.
    expect(readdirSync(tmp)).toEqual([]);
    // backup-status and the audit show it.
    const st = (await fetchJson(`${pb.url}/api/ops/backup-status`, { headers: AUTH })).body;
    expect(st.restoreDrill).toMatchObject({ state: "passed", txid: b.txid });
    expect(st.restoreDrill.ageSeconds).toBeGreaterThanOrEqual(0);
    const audit = (await fetchJson(`${pb.url}/api/ops/audit`, { headers: AUTH })).body;
    expect(audit.checks.find((c: any) => c.id === "restore_drill")).toMatchObject({ status: "pass" });
    expect(audit.checks.find((c: any) => c.id === "replica")).toMatchObject({ status: "pass" });
    expect(audit.checks.find((c: any) => c.id === "retention")).toMatchObject({ status: "pass" });
    console.log(`[${version}] drill: ${b.durationMs} ms, ${b.restoredBytes} bytes, TXID ${b.txid}`);
  }, 60_000);

  it("answers 401 without the token or a superuser", async () => {
    const res = await fetchJson(`${pb.url}/api/ops/restore-drill`, { method: "POST" });
    expect(res.status).toBe(401);
  });

  it("fails on a corrupted replica object (bytes flipped, size kept), and the alert fires once with one ERROR line", async () => {
    // The drill's first result was the baseline; the tick must have seen it before the change (a
    // tick that changes nothing leaves no trace to poll for: two pass here, cron ticks every second).
    await waitFor(() => hook.bodies("drill").length === 0 && pb.stdout().includes("restore drill passed"), 5000, "baseline");
    await sleep(2000);
    await stack.ls.stop();
    // The audit's replica check follows backup-status: Litestream gone is a failure.
    const replicaCheck = (await fetchJson(`${pb.url}/api/ops/audit`, { headers: AUTH })).body.checks.find((c: any) => c.id === "replica");
    expect(replicaCheck).toMatchObject({ status: "fail" });
    expect(replicaCheck.reason).toContain("litestream_down");
    const files = ltxFiles(stack.s3.prefixDir(prefix));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const buf = readFileSync(f);
      // Past the 100-byte LTX header: page data (LZ4 frames) and the trailer's checksum.
      for (let i = 120; i < buf.length; i += 7) buf[i] = buf[i]! ^ 0xff;
      writeFileSync(f, buf);
    }
    const res = await fetchJson(`${pb.url}/api/ops/restore-drill`, { method: "POST", headers: AUTH });
    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.body).toMatchObject({ state: "failed", ok: false });
    expect(["restore", "verify"]).toContain(res.body.step);
    expect(readdirSync(tmp)).toEqual([]);
    await waitFor(() => hook.bodies("drill").length >= 1, 10_000, "drill alert");
    await sleep(2500); // a few more ticks: still one
    const alerts = hook.bodies("drill");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ source: "drill", from: "passed", to: "failed" });
    expect(alerts[0].text).toContain("restore drill passed -> failed");
    const errorLines = parseStdout(pb.stdout()).records.filter((r) => r.level === "ERROR" && r.msg === "alert: drill passed -> failed");
    expect(errorLines).toHaveLength(1);
    console.log(`[${version}] corrupted: ${res.body.step}: ${res.body.reason}`);
  }, 60_000);

  it("fails on a truncated replica object", async () => {
    for (const f of ltxFiles(stack.s3.prefixDir(prefix))) {
      const buf = readFileSync(f);
      writeFileSync(f, buf.subarray(0, Math.floor(buf.length / 2)));
    }
    const res = await fetchJson(`${pb.url}/api/ops/restore-drill`, { method: "POST", headers: AUTH });
    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.body).toMatchObject({ state: "failed", ok: false });
    expect(readdirSync(tmp)).toEqual([]);
    const audit = (await fetchJson(`${pb.url}/api/ops/audit`, { headers: AUTH })).body;
    expect(audit.checks.find((c: any) => c.id === "restore_drill")).toMatchObject({ status: "fail" });
    // Still failed: no new drill alert (no state change).
    await sleep(2000);
    expect(hook.bodies("drill")).toHaveLength(1);
    console.log(`[${version}] truncated: ${res.body.step}: ${res.body.reason}`);
  }, 60_000);
});

describe.each(POCKETBASE_VERSIONS)("scheduled restore drill on PocketBase %s", (version) => {
  let stack: DrillStack;

  beforeAll(async () => {
    // Every minute, with PocketBase's cron ticking every second here: the cron job the hook file
    // registers from PB_RESTORE_DRILL runs the drill without any request.
    stack = await startDrillStack(version, 5, { PB_RESTORE_DRILL: "* * * * *" });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("runs from PocketBase's cron (trigger cron) and shows in backup-status", async () => {
    let st: any;
    await waitFor(
      async () => {
        st = (await fetchJson(`${stack.pb.url}/api/ops/backup-status`, { headers: AUTH })).body;
        return st.restoreDrill?.state === "passed";
      },
      20_000,
      "a scheduled drill",
    );
    expect(st.restoreDrill).toMatchObject({ trigger: "cron", integrity: "ok", schedule: "* * * * *" });
    expect(parseStdout(stack.pb.stdout()).records.some((r) => r.msg === "restore drill passed" && r.trigger === "cron")).toBe(true);
  }, 60_000);
});
