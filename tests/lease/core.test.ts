// The deploy lease's pure decisions (src/lease): who claims, waits, takes over or stands by, and when
// a holder hands over or fences itself. Times are on the deciding machine's own clock only.
import { describe, expect, it } from "vitest";
import {
  decideClaim,
  decideHolder,
  leaseKey,
  markPrevious,
  newClaimMemory,
  newLease,
  observe,
  parseLease,
  releaseOwn,
  type ClaimMemory,
  type Holder,
  type Lease,
} from "../../src/lease/decide";
import { leaseSettingsError, leaseTiming, selfFenceAfterMs } from "../../src/lease/config";
import { buildConfig } from "../../src/config/load";
import { schema } from "../../src/config/schema";

const T = { heartbeat: 2000, ttl: 10_000, handoffTimeout: 60_000 };
const ISO = "2026-01-01T00:00:00.000Z";
const A: Holder = { id: "aaaa", host: "a", startedAt: ISO };
const B: Holder = { id: "bbbb", host: "b", startedAt: ISO };
const C: Holder = { id: "cccc", host: "c", startedAt: ISO };
const active = (h: Holder, epoch = 1): Lease => ({ ...newLease(epoch, h, ISO), state: "active" });

describe("claim", () => {
  it("creates epoch 1 when there is no lease", () => {
    const a = decideClaim(null, B, observe(newClaimMemory(0), null, 0), 0, ISO, T);
    expect(a).toMatchObject({ kind: "create", lease: { epoch: 1, holder: B, state: "starting" } });
  });

  it("claims the next epoch at once from an active holder, recording it as previous", () => {
    const a = decideClaim(active(A, 4), B, observe(newClaimMemory(0), '"e1"', 0), 0, ISO, T);
    expect(a).toMatchObject({
      kind: "replace",
      lease: { epoch: 5, holder: B, previous: { epoch: 4, holderId: "aaaa", state: "claimed" } },
    });
  });

  it("after claiming: waits for the acknowledgement, takes over only after TTL without one (crash)", () => {
    const mine = newLease(2, B, ISO, { epoch: 1, holderId: "aaaa", state: "claimed" });
    const mem: ClaimMemory = { ...newClaimMemory(0), claimedEpoch: 2, claimedAtMs: 1000, lastWriteAtMs: 1000, lastEtag: '"x"' };
    expect(decideClaim(mine, B, mem, 1500, ISO, T).kind).toBe("wait");
    expect(decideClaim(mine, B, mem, 10_999, ISO, T).kind).not.toBe("granted");
    expect(decideClaim(mine, B, mem, 11_000, ISO, T)).toMatchObject({ kind: "granted", takeover: true, releasedTxid: null });
  });

  it("renews its own claim every heartbeat while it waits", () => {
    const mine = newLease(2, B, ISO, { epoch: 1, holderId: "aaaa", state: "acknowledged" });
    const mem: ClaimMemory = { ...newClaimMemory(0), claimedEpoch: 2, claimedAtMs: 0, lastWriteAtMs: 0 };
    expect(decideClaim(mine, B, mem, 1999, ISO, T).kind).toBe("wait");
    expect(decideClaim(mine, B, mem, 2000, "later", T)).toMatchObject({ kind: "renew", lease: { heartbeatAt: "later", epoch: 2 } });
  });

  it("an acknowledged handoff is waited for up to the handoff timeout, not the TTL", () => {
    const mine = newLease(2, B, ISO, { epoch: 1, holderId: "aaaa", state: "acknowledged" });
    const mem: ClaimMemory = { ...newClaimMemory(0), claimedEpoch: 2, claimedAtMs: 0, lastWriteAtMs: 59_000 };
    expect(decideClaim(mine, B, mem, 59_999, ISO, T).kind).toBe("wait");
    expect(decideClaim(mine, B, mem, 60_000, ISO, T)).toMatchObject({ kind: "granted", takeover: true });
  });

  it("is granted with the released TXID once the old holder released", () => {
    const mine = newLease(2, B, ISO, { epoch: 1, holderId: "aaaa", state: "released", releasedTxid: 42 });
    const mem: ClaimMemory = { ...newClaimMemory(0), claimedEpoch: 2, claimedAtMs: 0 };
    expect(decideClaim(mine, B, mem, 100, ISO, T)).toMatchObject({ kind: "granted", takeover: false, releasedTxid: 42 });
  });

  it("a cleanly released lease is claimed at once and carries the released TXID", () => {
    const l = releaseOwn(active(A, 3), 3, "aaaa", 77, ISO)!;
    const a = decideClaim(l, B, observe(newClaimMemory(0), '"r"', 0), 0, ISO, T);
    expect(a).toMatchObject({ kind: "replace", lease: { epoch: 4, previous: { state: "released", releasedTxid: 77 } } });
  });

  it("a starting claimant that writes (alive) makes us a standby; one silent for TTL is taken over", () => {
    const theirs = newLease(1, A, ISO);
    let mem = observe(newClaimMemory(0), '"1"', 0);
    expect(decideClaim(theirs, B, mem, 100, ISO, T).kind).toBe("wait");
    mem = observe(mem, '"2"', 1500); // it renewed
    expect(decideClaim(theirs, B, mem, 1500, ISO, T)).toMatchObject({ kind: "standby" });
    const silent = observe(newClaimMemory(0), '"1"', 0);
    expect(decideClaim(theirs, B, silent, 9999, ISO, T).kind).toBe("wait");
    expect(decideClaim(theirs, B, silent, 10_000, ISO, T)).toMatchObject({
      kind: "replace",
      lease: { epoch: 2, previous: { holderId: "aaaa", state: "claimed" } },
    });
  });

  it("losing a create race (the other wrote first) is proof of life: standby", () => {
    const mem: ClaimMemory = { ...observe(newClaimMemory(0), '"1"', 0), seenAlive: true };
    expect(decideClaim(newLease(1, A, ISO), B, mem, 10, ISO, T).kind).toBe("standby");
  });

  it("a claim replaced by a third container turns us into a standby", () => {
    const mem: ClaimMemory = { ...newClaimMemory(0), claimedEpoch: 2, claimedAtMs: 0 };
    expect(decideClaim(newLease(3, C, ISO), B, mem, 100, ISO, T)).toMatchObject({
      kind: "standby",
      why: expect.stringMatching(/replaced by cccc/),
    });
  });

  it("observe() counts only a change of ETag after the first read as a sign of life", () => {
    const m0 = observe(newClaimMemory(0), '"a"', 5);
    expect(m0).toMatchObject({ seenAlive: false, lastChangeAtMs: 5 });
    expect(observe(m0, '"a"', 9)).toBe(m0);
    expect(observe(m0, '"b"', 9)).toMatchObject({ seenAlive: true, lastChangeAtMs: 9 });
  });
});

describe("holder", () => {
  it("renews; a conflict from its own epoch (old holder writing) is retried; a newer epoch starts the handoff", () => {
    expect(decideHolder(1, "aaaa", 0, { kind: "ok" }, 100, T).kind).toBe("renewed");
    expect(decideHolder(2, "bbbb", 0, { kind: "conflict", lease: newLease(2, B, ISO) }, 100, T).kind).toBe("retry");
    expect(decideHolder(1, "aaaa", 0, { kind: "conflict", lease: newLease(2, B, ISO) }, 100, T)).toMatchObject({
      kind: "handoff",
      why: "bbbb claimed epoch 2",
    });
    expect(decideHolder(1, "aaaa", 0, { kind: "conflict", lease: null }, 100, T).kind).toBe("handoff");
  });

  it("fences itself when its own last renewal is older than TTL minus two heartbeats, before any claimant may take over", () => {
    expect(selfFenceAfterMs(T)).toBe(6000);
    expect(decideHolder(1, "aaaa", 1000, { kind: "error" }, 6999, T).kind).toBe("keep-trying");
    expect(decideHolder(1, "aaaa", 1000, { kind: "error" }, 7000, T).kind).toBe("self-fence");
    // A claimant that wrote right after our last renewal waits a full TTL on its own clock.
    expect(1000 + selfFenceAfterMs(T) + T.heartbeat).toBeLessThan(1000 + T.ttl);
  });

  it("acknowledges and releases only the claim that replaced its own epoch", () => {
    const claim = newLease(2, B, ISO, { epoch: 1, holderId: "aaaa", state: "claimed" });
    const acked = markPrevious(claim, 1, "aaaa", "acknowledged", null, ISO)!;
    expect(acked.previous).toMatchObject({ state: "acknowledged" });
    expect(markPrevious(acked, 1, "aaaa", "acknowledged", null, ISO)).toBeNull();
    expect(markPrevious(acked, 1, "aaaa", "released", 9, "t")!.previous).toEqual({
      epoch: 1,
      holderId: "aaaa",
      state: "released",
      releasedTxid: 9,
      releasedAt: "t",
    });
    expect(markPrevious(claim, 7, "aaaa", "released", 9, ISO)).toBeNull();
    expect(markPrevious(claim, 1, "zzzz", "released", 9, ISO)).toBeNull();
    expect(releaseOwn(claim, 1, "aaaa", 3, ISO)).toBeNull();
  });
});

describe("object and settings", () => {
  it("puts the lease beside Litestream's prefix, never inside it", () => {
    expect(leaseKey("pocketbase/data.db/")).toBe("pocketbase/data.db.pb-ops/lease.json");
    expect(leaseKey("pocketbase/data.db/").startsWith("pocketbase/data.db/")).toBe(false);
    expect(leaseKey("")).toBe("pb-ops.pb-ops/lease.json");
  });

  it("reads only pb-ops lease objects", () => {
    expect(parseLease(JSON.stringify(active(A)))).toMatchObject({ epoch: 1 });
    expect(parseLease("{}")).toBeNull();
    expect(parseLease("not json")).toBeNull();
    expect(parseLease(JSON.stringify({ ...active(A), state: "weird" }))).toBeNull();
  });

  it("defaults are sane and cross-checked", () => {
    const cfg = buildConfig(schema, {}).lease;
    expect(cfg).toEqual({ enabled: true, heartbeat: 2000, ttl: 10_000, handoffTimeout: 60_000, writes: "auto", visibility: 1000 });
    expect(leaseSettingsError(cfg, {})).toBeNull();
    expect(leaseSettingsError({ ...cfg, ttl: 4000 }, { PB_LEASE_TTL: "4s" })?.message).toMatch(
      /invalid PB_LEASE_TTL="4s": must be more than 2 x PB_LEASE_HEARTBEAT/,
    );
    expect(leaseSettingsError({ ...cfg, handoffTimeout: 5000 }, {})?.message).toMatch(/PB_LEASE_HANDOFF_TIMEOUT/);
    // Verify mode: a holder must see a claim within a heartbeat (docs/deploy.md "Verify mode").
    expect(
      leaseSettingsError({ ...cfg, heartbeat: 1000, ttl: 5000 }, { PB_LEASE_HEARTBEAT: "1s", PB_LEASE_VISIBILITY: "1s" })?.message,
    ).toMatch(/invalid PB_LEASE_VISIBILITY="1s": must be less than PB_LEASE_HEARTBEAT \(1000ms\)/);
    // Unset, it follows a short heartbeat down instead of refusing PB_LEASE_HEARTBEAT=1s.
    expect(leaseSettingsError({ ...cfg, heartbeat: 1000, ttl: 5000 }, { PB_LEASE_HEARTBEAT: "1s" })).toBeNull();
    expect(leaseTiming({ ...cfg, heartbeat: 1000 }, {}).visibility).toBe(500);
    expect(leaseTiming(cfg, {}).visibility).toBe(1000);
    expect(leaseTiming({ ...cfg, heartbeat: 1000, visibility: 900 }, { PB_LEASE_VISIBILITY: "900ms" }).visibility).toBe(900);
  });

  it("PB_LEASE_WRITES and PB_LEASE_VISIBILITY are validated with one line each", () => {
    expect(buildConfig(schema, { PB_LEASE_WRITES: "Verify", PB_LEASE_VISIBILITY: "0ms" }).lease).toMatchObject({
      writes: "verify",
      visibility: 0,
    });
    expect(() => buildConfig(schema, { PB_LEASE_WRITES: "cas" })).toThrow(
      /invalid PB_LEASE_WRITES="cas".*expected one of auto\|conditional\|verify/,
    );
    expect(() => buildConfig(schema, { PB_LEASE_VISIBILITY: "31s" })).toThrow(/invalid PB_LEASE_VISIBILITY="31s"/);
  });
});

describe("health under the lease", () => {
  it("a standby answers 503 status standby with the reason; a primary handing over stays 200", async () => {
    const { healthReport } = await import("../../src/health/report");
    const base = { version: "x", startedAtMs: 0, nowMs: 5000, database: { ok: true, latencyMs: 1 } };
    expect(healthReport({ ...base, lease: { role: "standby", reason: "another container is primary" } })).toMatchObject({
      httpStatus: 503,
      body: { status: "standby", lease: { role: "standby", reason: "another container is primary" } },
    });
    expect(healthReport({ ...base, lease: { role: "fenced", reason: "deploy" } })).toMatchObject({
      httpStatus: 200,
      body: { status: "ok", lease: { role: "fenced" } },
    });
    expect(healthReport(base).body).not.toHaveProperty("lease");
  });
});
