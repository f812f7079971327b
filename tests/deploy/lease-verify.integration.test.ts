// The deploy lease's claim-then-verify mode (PB_LEASE_WRITES=verify, or auto on a server that
// ignores conditional writes), with the REAL entrypoint, PocketBase, Litestream v0.5 and versitygw
// on loopback. Every S3 request goes through a recording proxy (toolkit/s3-proxy.ts), which
// proves the mode never sends If-Match / If-None-Match on the lease's objects.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DeployStack,
  firstContainer,
  leaseSeeing,
  primaryAndStandby,
  writeToBoth,
  runCrashDrill,
  runDeployDrill,
  writeUntilRefused,
} from "../../toolkit/deploy-drill";
import { MONITOR_INTERVAL_MS, waitReplicaCaughtUp } from "../../toolkit/drill";
import { pocketbaseBinary } from "../../toolkit/pocketbase";
import { waitFor } from "../../toolkit/wait";
import { conditionalHeaders, type Recorded } from "../../toolkit/s3-proxy";

const log = (m: string) => console.log(`[verify] ${m}`);

const VERIFY = { PB_LEASE_WRITES: "verify" };
const OPS_TOKEN = "leaseVerifyToken-3b8e1f0a7c5d9e2b4f6a";
// Heartbeat 1s needs a visibility bound below it.
const FAST = { PB_LEASE_HEARTBEAT: "1s", PB_LEASE_TTL: "5s", PB_LEASE_VISIBILITY: "500ms" };

/** The lease's own requests (the probe excepted) carry no conditional header, and there were some. */
function expectPlainLeaseRequests(requests: Recorded[]): void {
  const lease = requests.filter((r) => r.path.includes(".pb-ops/") && !r.path.includes("/probe-"));
  const claimPuts = lease.filter((r) => r.method === "PUT" && r.path.includes(".pb-ops/claims/"));
  expect(claimPuts.length, "claims were written through the proxy").toBeGreaterThan(2);
  expect(
    lease.filter((r) => conditionalHeaders(r).length > 0).map((r) => `${r.method} ${r.path} ${conditionalHeaders(r).join(",")}`),
  ).toEqual([]);
  // The conditional mode's object is only ever read (the guard against a holder in the other mode).
  expect(lease.filter((r) => r.path.includes("lease.json") && r.method !== "GET")).toEqual([]);
}

describe("verify mode: a rolling deploy under load (A -> B, then a restore)", () => {
  it("loses no acknowledged write, the restore is intact, and no lease request is conditional", async () => {
    const r = await runDeployDrill({ lease: true, deploys: 1, log, proxy: true, extraEnv: VERIFY });
    log(
      `rolling: ${r.acked.length} acked, ${r.lost.length} lost, ${r.refused} refused, pause max ${r.maxPauseMs}ms, deploy ${r.deployMs.join("/")}ms`,
    );
    const all = Object.values(r.outputs).join("\n=====\n");
    expect(r.acked.some((a) => a.by === "A") && r.acked.some((a) => a.by === "B"), all.slice(-8000)).toBe(true);
    expect(
      r.lost.map((a) => `${a.seq}@${a.by}`),
      all.slice(-20000),
    ).toEqual([]);
    expect(r.duplicates).toBe(0);
    expect(r.integrity).toBe("ok");
    expect(r.refused, "the fence answered 503 during the handoff").toBeGreaterThan(0);
    expect(r.outputs.B).toMatch(/lease writes: verify \(PB_LEASE_WRITES=verify\)/);
    expect(r.outputs.B).toMatch(/verified: epoch 2 is ours/);
    expect(r.outputs.B).toMatch(/granted epoch 2: holder \w+ released at TXID \d+/);
    expect(r.outputs.A).toMatch(/FENCED: a deploy is in progress: \w+ claimed epoch 2/);
    expect(r.outputs.A).toMatch(/acknowledged the claim for epoch 2 \(in our own claim object\)/);
    expect(r.outputs.A).toMatch(/released epoch 1 at TXID \d+/);
    expectPlainLeaseRequests(r.requests);
  }, 180_000);
});

describe("verify mode: the primary is killed with SIGKILL under load", () => {
  it("the next container takes over after the TTL, and only the last sync interval can be lost", async () => {
    const r = await runCrashDrill({ ...FAST, ...VERIFY }, MONITOR_INTERVAL_MS, log, { proxy: true });
    log(
      `crash: ${r.acked.length} acked, ${r.lost.length} lost (oldest ${Math.max(0, ...r.lost.map((x) => x.ageMs))}ms before the kill), takeover ${r.takeoverMs}ms`,
    );
    expect(r.output).toMatch(/TAKEOVER: granted epoch 2: holder \w+ did not acknowledge within 5000ms/);
    const restoredS = Number(/restored .* in (\d+)s/.exec(r.output)?.[1] ?? 0);
    // TTL (5 s) + the verify wait (1 s + 2 x 0.5 s) + restore + start, with a margin for this machine.
    expect(r.takeoverMs).toBeGreaterThanOrEqual(5000);
    expect(r.takeoverMs).toBeLessThan(5000 + 2000 + (restoredS + 1) * 1000 + 6000);
    expect(r.lost.filter((x) => x.by === "B")).toEqual([]);
    expect(r.lost.filter((x) => x.ageMs > r.cycleMs)).toEqual([]);
    expect(r.acked.some((x) => x.by === "B")).toBe(true);
    expect(r.integrity).toBe("ok");
    expect(r.duplicates).toBe(0);
    expectPlainLeaseRequests(r.requests);
  }, 180_000);
});

describe("auto mode on a server that ignores conditional writes: two containers start at once (PocketBase v0.31.0)", () => {
  it("falls back to verify, says so, and exactly one becomes primary; the standby never writes to the replica", async () => {
    const stack = new DeployStack(
      "split-verify/data.db",
      { ...FAST, PB_LEASE_WRITES: "auto", POCKETBASE_BIN: pocketbaseBinary("v0.31.0"), PB_OPS_TOKEN: OPS_TOKEN },
      { proxy: true, ignoreConditional: true },
    );
    await stack.start();
    try {
      const [x, y] = await Promise.all([stack.launch("X"), stack.launch("Y")]);
      const { primary, standby } = await primaryAndStandby([x, y]);
      const both = x.run.output() + "\n=====\n" + y.run.output();
      expect(primary, both).toBeDefined();
      expect(standby, both).toBeDefined();
      expect(primary).not.toBe(standby);
      const p = primary!;
      const sb = standby!;
      for (const c of [p, sb])
        expect(c.run.output()).toMatch(/lease writes: verify \(PB_LEASE_WRITES=auto; this S3 server ignores If-None-Match on PUT\)/);
      expect(sb.run.output()).toMatch(/STANDBY: (another container \(\w+, epoch 1\) is starting as primary|a newer claim)/);
      expect(sb.run.output()).not.toMatch(/restored |"msg":"replicating to"/i);

      // A load balancer that does not check health sends writes to both: the standby refuses all.
      const writer = await writeToBoth(p, sb);
      expect(writer.acks.filter((a) => a.by === sb.name)).toEqual([]);
      expect(writer.acks.filter((a) => a.by === p.name).length).toBeGreaterThan(20);

      // The primary reports the foreign claimant (the standby's note, kept though it was written
      // about the primary's own epoch).
      const standbyId = /claiming \S+ as (\w+)/.exec(sb.run.output())![1]!;
      const lease = await leaseSeeing(p, standbyId, OPS_TOKEN);
      expect(lease).toMatchObject({ role: "primary", epoch: 1 });
      expect(lease.foreignClaimants.map((c) => c.id)).toContain(standbyId);

      // The standby never ran Litestream (no local LTX state).
      expect(existsSync(join(sb.site.dataDir, ".data.db-litestream"))).toBe(false);
      await waitReplicaCaughtUp(p.site, p.env, 20_000);
      await p.run.terminate();
      const final = await stack.restoreAndInspect();
      expect(final.seqs).toEqual(writer.acks.map((a) => a.seq).sort((a, b) => a - b));
      expect(final.integrity).toBe("ok");
      expectPlainLeaseRequests(stack.proxy!.requests);
      // The probe did send If-None-Match (auto mode asks the server first), and the proxy lied.
      expect(stack.proxy!.requests.some((r) => r.path.includes("/probe-") && conditionalHeaders(r).length > 0)).toBe(true);
    } finally {
      await stack.destroy();
    }
  }, 180_000);
});

describe("verify mode: S3 unreachable from the holder", () => {
  it("it fences writes before a claimant may take over (TTL after its claim)", async () => {
    const stack = new DeployStack("selffence-verify/data.db", { ...FAST, ...VERIFY });
    await stack.start();
    try {
      const { c: a, token } = await firstContainer(stack);
      stack.s3.pause();
      const pausedAt = Date.now();
      try {
        const { status, afterMs: fencedAfter } = await writeUntilRefused(a.site.url, token, pausedAt);
        log(`self-fence: writes refused ${fencedAfter}ms after S3 stopped answering`);
        expect(status).toBe(503);
        // TTL 5s - 2 heartbeats = 3s after the start of the last good renewal (its LIST), which was
        // at most a heartbeat and two requests before S3 stopped.
        expect(fencedAfter).toBeGreaterThanOrEqual(1000);
        expect(fencedAfter).toBeLessThan(5000);
        // The agent's line reaches us through a pipe, not with the 503: wait for it.
        await waitFor(() => /FENCED: no successful renewal for \d+ms/.test(a.run.output()), 5000, "the FENCED line");
      } finally {
        stack.s3.resume();
      }
    } finally {
      await stack.destroy();
    }
  }, 120_000);
});
