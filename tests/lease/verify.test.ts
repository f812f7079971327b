// Claim-then-verify's pure pieces (src/lease/verify.ts): where claims live, which one holds the
// newest epoch, what the waiting winner reads from the previous holder's own object, and what the
// holder notices at each heartbeat. The race itself: tests/lease-verify-race.test.ts.
import { describe, expect, it } from "vitest";
import { leaseKey, newLease, type Holder, type Lease } from "../../src/lease/decide";
import {
  claimKey,
  claimsPrefix,
  laterClaims,
  newerThan,
  parseClaimKey,
  staleClaims,
  topClaim,
  verifyWaitMs,
  withPreviousFrom,
  type ListedClaim,
} from "../../src/lease/verify";

const ISO = "2026-01-01T00:00:00.000Z";
const A: Holder = { id: "aaaa", host: "a", startedAt: ISO };
const B: Holder = { id: "bbbb", host: "b", startedAt: ISO };
const c = (epoch: number, holderId: string): ListedClaim => ({
  key: claimKey("p.pb-ops/lease.json", epoch, holderId),
  epoch,
  holderId,
  etag: null,
});

describe("claim objects", () => {
  it("live beside the conditional lease, one per epoch and holder, in epoch order by name", () => {
    const lk = leaseKey("backups/data.db");
    expect(claimsPrefix(lk)).toBe("backups/data.db.pb-ops/claims/");
    expect(claimKey(lk, 7, "ab12")).toBe("backups/data.db.pb-ops/claims/0000000007-ab12.json");
    expect(claimKey(lk, 10, "a") > claimKey(lk, 9, "z")).toBe(true);
    expect(parseClaimKey(claimKey(lk, 7, "ab12"))).toMatchObject({ epoch: 7, holderId: "ab12" });
    expect(parseClaimKey("backups/data.db.pb-ops/claims/notes.txt")).toBeNull();
  });

  it("the newest epoch's holder is its lowest id", () => {
    expect(topClaim([])).toBeNull();
    expect(topClaim([c(1, "aa"), c(2, "cc"), c(2, "bb")])).toMatchObject({ epoch: 2, holderId: "bb" });
  });

  it("waits L + 2D after the PUT, L = max(D, 1 s): the margins the race argument needs", () => {
    expect(verifyWaitMs(1000)).toEqual({ maxListToPutMs: 1000, settleMs: 3000 });
    expect(verifyWaitMs(0)).toEqual({ maxListToPutMs: 1000, settleMs: 1000 });
    expect(verifyWaitMs(2000)).toEqual({ maxListToPutMs: 2000, settleMs: 6000 });
  });
});

describe("the winner waiting for the previous holder", () => {
  const mine = newLease(2, B, ISO, { epoch: 1, holderId: "aaaa", state: "claimed" });
  const prev: Lease = { ...newLease(1, A, ISO), state: "active" };
  it("reads acknowledgement and release from the previous holder's own object", () => {
    expect(withPreviousFrom(mine, prev).previous?.state).toBe("claimed");
    expect(withPreviousFrom(mine, { ...prev, ackedEpoch: 2 }).previous?.state).toBe("acknowledged");
    expect(withPreviousFrom(mine, { ...prev, ackedEpoch: 1 }).previous?.state).toBe("claimed");
    expect(withPreviousFrom(mine, { ...prev, state: "released", releasedTxid: 42 }).previous).toMatchObject({
      state: "released",
      releasedTxid: 42,
    });
  });
  it("ignores an object of another holder or epoch, and a missing one (the TTL then decides)", () => {
    expect(withPreviousFrom(mine, { ...prev, state: "released", holder: B }).previous?.state).toBe("claimed");
    expect(withPreviousFrom(mine, { ...prev, state: "released", epoch: 3 }).previous?.state).toBe("claimed");
    expect(withPreviousFrom(mine, null).previous?.state).toBe("claimed");
  });
});

describe("the holder at each heartbeat", () => {
  it("sees a newer claim (the lowest id of the newest epoch), or its own object gone", () => {
    expect(newerThan([c(1, "aa")], 1, "aa")).toEqual({ kind: "none" });
    expect(newerThan([c(1, "aa"), c(2, "cc"), c(2, "bb")], 1, "aa")).toMatchObject({ kind: "newer", claim: { epoch: 2, holderId: "bb" } });
    expect(newerThan([c(2, "bb")], 1, "aa")).toMatchObject({ kind: "newer" });
    expect(newerThan([c(0, "zz")], 1, "aa")).toEqual({ kind: "gone" });
  });
  it("reads later claims newest first, to hand over only to a verified one", () => {
    expect(laterClaims([c(1, "aa"), c(2, "cc"), c(3, "zz"), c(2, "bb")], 1).map((x) => `${x.epoch}-${x.holderId}`)).toEqual([
      "3-zz",
      "2-bb",
      "2-cc",
    ]);
    expect(laterClaims([c(1, "aa")], 1)).toEqual([]);
  });
  it("after a grant only claims older than the previous epoch are deleted", () => {
    expect(staleClaims([c(1, "a"), c(2, "b"), c(3, "c"), c(3, "d")], 3).map((x) => x.epoch)).toEqual([1]);
  });
});
