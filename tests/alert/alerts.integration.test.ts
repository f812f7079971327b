// PB_ALERT_WEBHOOK on both PocketBase versions, with a webhook receiver in this process (loopback)
// and a flapping source: the restore drill, made to fail and pass by corrupting and restoring the
// replica's LTX objects in versitygw's directory. PocketBase's cron ticks every second here
// (cron().setInterval in a test hook; the alert job itself is the production one, "* * * * *").
// Shown: exactly one alert per announced state change, none during the cool-down, one ERROR line
// per alert, and a failing webhook retried PB_ALERT_RETRIES times then given up, never blocking a
// request.
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PREFIX, drill, ltxFiles, startDrillStack, type DrillStack } from "../harness/drill-stack";
import { parseStdout } from "../harness/logs";
import { POCKETBASE_VERSIONS } from "../../toolkit/pocketbase";
import { WebhookReceiver } from "../harness/webhook";
import { sleep, waitFor } from "../../toolkit/wait";

const COOLDOWN_MS = 8000;

describe.each(POCKETBASE_VERSIONS)("alerts on PocketBase %s", (version) => {
  let stack: DrillStack;
  let hook: WebhookReceiver;
  let originals: Map<string, Buffer>;

  const corrupt = () => {
    for (const [f, buf] of originals) writeFileSync(f, buf.subarray(0, 90));
  };
  const repair = () => {
    for (const [f, buf] of originals) writeFileSync(f, buf);
  };
  const errorLines = () =>
    parseStdout(stack.pb.stdout()).records.filter((r) => r.level === "ERROR" && String(r.msg).startsWith("alert: drill"));

  beforeAll(async () => {
    hook = new WebhookReceiver();
    await hook.start();
    stack = await startDrillStack(version, 10, {
      PB_ALERT_WEBHOOK: hook.url,
      PB_ALERT_COOLDOWN: `${COOLDOWN_MS / 1000}s`,
      PB_ALERT_RETRIES: "2",
    });
    // A frozen replica: Litestream stopped, so the objects only change when this test changes them.
    await stack.ls.stop();
    originals = new Map(ltxFiles(stack.s3.prefixDir(PREFIX)).map((f) => [f, readFileSync(f)]));
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await hook?.stop();
  });

  it("the first drill result is the baseline: a pass sends nothing", async () => {
    expect((await drill(stack.pb)).status).toBe(200);
    await sleep(2500); // nothing to wait for: a few alert ticks (every second here) pass and send nothing
    expect(hook.bodies("drill")).toHaveLength(0);
  }, 30_000);

  it("a flapping drill: one alert for the change, none during the cool-down, one when it ends with a different state", async () => {
    corrupt();
    expect((await drill(stack.pb)).status).toBe(503);
    await waitFor(() => hook.bodies("drill").length === 1, 5000, "first alert");
    const firstAt = hook.received.find((r) => r.body?.source === "drill")!.atMs;
    expect(hook.bodies("drill")[0]).toMatchObject({ source: "drill", from: "passed", to: "failed" });

    // Flap inside the cool-down: passed, failed, passed.
    repair();
    expect((await drill(stack.pb)).status).toBe(200);
    corrupt();
    expect((await drill(stack.pb)).status).toBe(503);
    repair();
    expect((await drill(stack.pb)).status).toBe(200);
    const flappedBy = Date.now() - firstAt;
    expect(flappedBy, "flaps must fit in the cool-down").toBeLessThan(COOLDOWN_MS - 2000);

    // Still one, until the cool-down ends.
    await sleep(Math.max(0, firstAt + COOLDOWN_MS - 1000 - Date.now()));
    expect(hook.bodies("drill")).toHaveLength(1);

    // Then exactly one, saying where it stands now (passed), and nothing more.
    await waitFor(() => hook.bodies("drill").length === 2, COOLDOWN_MS, "alert after the cool-down");
    const second = hook.received.filter((r) => r.body?.source === "drill")[1]!;
    expect(second.body).toMatchObject({ from: "failed", to: "passed" });
    expect(second.atMs - firstAt).toBeGreaterThanOrEqual(COOLDOWN_MS - 100);
    expect(second.body.text).toContain("restore drill failed -> passed");
    await sleep(3000); // a few more ticks send nothing more
    expect(hook.bodies("drill")).toHaveLength(2);
    expect(errorLines().map((r) => r.msg)).toEqual(["alert: drill passed -> failed", "alert: drill failed -> passed"]);
  }, 60_000);

  it("a flap that comes back within the cool-down sends nothing", async () => {
    // The last alert (failed -> passed) was just sent: a failure and a recovery inside the
    // cool-down leave the announced state (passed) unchanged.
    const before = hook.bodies("drill").length;
    corrupt();
    expect((await drill(stack.pb)).status).toBe(503);
    repair();
    expect((await drill(stack.pb)).status).toBe(200);
    await sleep(COOLDOWN_MS + 2000); // the whole cool-down and a tick or two after it, with nothing sent
    expect(hook.bodies("drill")).toHaveLength(before);
  }, 60_000);

  it("a failing webhook is retried PB_ALERT_RETRIES times, then given up and logged; requests are not held up", async () => {
    hook.status = 500;
    const before = hook.received.length;
    corrupt();
    expect((await drill(stack.pb)).status).toBe(503);
    await waitFor(() => stack.pb.stdout().includes("alert: webhook delivery given up"), 10_000, "given up");
    await sleep(2500); // no attempt after giving up, over a few more ticks
    const attempts = hook.received.slice(before).filter((r) => r.body?.source === "drill");
    expect(attempts).toHaveLength(2);
    expect(attempts.every((a) => a.body.to === "failed")).toBe(true);
    // A request while alerts are being delivered answers at once (deliveries run in the cron VM).
    const t0 = Date.now();
    expect((await fetch(`${stack.pb.url}/api/ops/health`)).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1000);
    hook.status = 200;
  }, 60_000);
});
