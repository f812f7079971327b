// The claim-then-verify race argument (src/lease/verify.ts), replayed: two claimants of one epoch on
// a simulated S3 whose PUTs become visible in LISTs some time after they return. Random
// interleavings with visibility delays <= D never give two winners; the same simulation with the
// naive protocol (no LIST-to-PUT bound, a wait of D) or with delays > D does, so it can fail.
import { describe, expect, it } from "vitest";
import { decideVerified, verifyWaitMs, type ListedClaim } from "../../src/lease/verify";
import { prng } from "../harness/prng";

interface Claimant {
  id: string;
  t1: number; // first LIST (a snapshot at this instant)
  putStart: number;
  t2: number; // the PUT returned
  visibleAt: number; // when LISTs start showing the claim
  t3: number; // the deciding LIST
}

interface Protocol {
  /** Wait between the PUT's answer and the deciding LIST. */
  settleMs: number;
  /** The LIST-to-PUT time the claimant reports (the naive protocol does not check it). */
  reported: (c: Claimant) => number;
}

const SAFE = (d: number): Protocol => ({ settleMs: verifyWaitMs(d).settleMs, reported: (c) => c.t2 - c.t1 });
const NAIVE = (d: number): Protocol => ({ settleMs: d, reported: () => 0 });

/** One random run of two claimants of epoch 1 on an empty bucket: the winners, and whether both claimed. */
function run(r: () => number, d: number, maxDelay: number, p: Protocol): { winners: string[]; contested: boolean } {
  const make = (id: string): Claimant => {
    const t1 = r() * 4000;
    // Most claimants PUT at once; some stall (GC, a slow request, a paused VM) before or during it.
    const putStart = t1 + (r() < 0.7 ? r() * 200 : r() * 3000);
    const t2 = putStart + r() * (r() < 0.8 ? 300 : 2000);
    // Visible anywhere from the PUT's start to `delay` after its answer.
    const delay = r() * maxDelay;
    const visibleAt = putStart + r() * (t2 + delay - putStart);
    const t3 = t2 + p.settleMs + (r() < 0.5 ? 0 : r() * 1500);
    return { id, t1, putStart, t2, visibleAt, t3 };
  };
  const cs = [make("aaaa"), make("bbbb")];
  // Step 1: a claimant that already sees a claim for epoch 1 does not claim it. (With two claimants
  // the one seen claimed: its claim was visible, so its PUT, and its own first LIST, came earlier.)
  // A withdrawn (late) claim stays listed here: deleting it could only help the others.
  const claimed = cs.filter((c) => !cs.some((o) => o !== c && o.visibleAt <= c.t1));
  const winners: string[] = [];
  for (const c of claimed) {
    const listed: ListedClaim[] = claimed
      .filter((o) => o.visibleAt <= c.t3)
      .map((o) => ({ key: o.id, epoch: 1, holderId: o.id, etag: null }));
    if (decideVerified(listed, c.id, 1, p.reported(c), d).kind === "won") winners.push(c.id);
  }
  return { winners, contested: claimed.length === 2 };
}

function trials(
  n: number,
  seed: number,
  d: number,
  maxDelay: number,
  p: Protocol,
): { twoWinners: number; oneWinner: number; contested: number } {
  const r = prng(seed);
  let twoWinners = 0;
  let oneWinner = 0;
  let contested = 0;
  for (let i = 0; i < n; i++) {
    const { winners, contested: both } = run(r, d, maxDelay, p);
    if (winners.length > 1) twoWinners++;
    if (winners.length === 1) oneWinner++;
    if (both) contested++;
  }
  return { twoWinners, oneWinner, contested };
}

describe("claim-then-verify: two claimants of one epoch", () => {
  for (const d of [0, 500, 1000, 2000]) {
    it(`never two winners with visibility delays <= D (D = ${d}ms, 20000 random interleavings)`, () => {
      const res = trials(20_000, 1000 + d, d, d, SAFE(d));
      expect(res.twoWinners).toBe(0);
      // Not vacuous: many runs have both claiming the epoch, and most runs elect exactly one.
      expect(res.contested).toBeGreaterThan(2000);
      expect(res.oneWinner).toBeGreaterThan(10_000);
    });
  }

  it("negative control: the naive protocol (wait D, lowest id wins, no LIST-to-PUT bound) elects two", () => {
    const res = trials(20_000, 7, 1000, 1000, NAIVE(1000));
    expect(res.twoWinners).toBeGreaterThan(0);
  });

  it("negative control: the wait alone is not enough: without the LIST-to-PUT bound a stalled claimant still wins", () => {
    const res = trials(20_000, 7, 1000, 1000, { settleMs: verifyWaitMs(1000).settleMs, reported: () => 0 });
    expect(res.twoWinners).toBeGreaterThan(0);
  });

  it("negative control: delays beyond D break the safe protocol too", () => {
    const res = trials(20_000, 11, 1000, 8000, SAFE(1000));
    expect(res.twoWinners).toBeGreaterThan(0);
  });
});

describe("decideVerified", () => {
  const c = (epoch: number, holderId: string): ListedClaim => ({ key: `${epoch}-${holderId}`, epoch, holderId, etag: null });
  it("wins with the lowest id of its epoch, loses to a lower one or a newer epoch", () => {
    expect(decideVerified([c(3, "bb"), c(2, "aa")], "bb", 3, 10, 1000).kind).toBe("won");
    expect(decideVerified([c(3, "bb"), c(3, "aa")], "bb", 3, 10, 1000).kind).toBe("lost");
    expect(decideVerified([c(3, "aa"), c(3, "bb")], "aa", 3, 10, 1000).kind).toBe("won");
    expect(decideVerified([c(3, "aa"), c(4, "cc")], "aa", 3, 10, 1000).kind).toBe("lost");
  });
  it("withdraws a late claim and reports a claim not listed after the wait as a broken assumption", () => {
    expect(decideVerified([c(3, "aa")], "aa", 3, 1001, 1000).kind).toBe("late");
    expect(decideVerified([c(3, "aa")], "aa", 3, 1000, 1000).kind).toBe("won");
    expect(decideVerified([c(3, "bb")], "aa", 3, 10, 1000).kind).toBe("violated");
  });
});
