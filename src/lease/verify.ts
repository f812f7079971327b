// Claim-then-verify: the deploy lease for S3 servers that ignore conditional writes
// (PB_LEASE_WRITES=verify, or auto after a failed probe). Only plain PUT/GET/LIST/DELETE are used,
// and nobody ever overwrites someone else's object: each claimant writes its OWN object,
// `<lease dir>/claims/<epoch, 10 digits>-<holderId>.json`, holding the same Lease JSON as the
// conditional mode. The holder of an epoch renews, acknowledges and releases by rewriting its own
// object (one writer: no compare-and-swap needed); a newer claim is noticed by LISTing.
//
// Assumption (docs/deploy.md "Verify mode"): once a PUT has returned 200, every LIST that STARTS at
// least D (PB_LEASE_VISIBILITY) later shows the object, and an object shows until its owner
// deletes it. A claimant:
//   1. LISTs at t1 and claims epoch top+1 only if the decisions of the conditional mode
//      (decideClaim, on the top claim's object) say so;
//   2. PUTs its claim; the PUT returns at t2. If t2 - t1 > L the claim is late: it is deleted and the
//      claimant starts over (step 1);
//   3. waits L + 2D (L = max(D, 1 s)), LISTs again, and wins only if no newer epoch is listed and
//      its id is the lowest of the claims for its epoch; the winner rewrites its claim `verified`
//      (a holder hands over only to a verified claim). The losers delete their claim and stand by.
// Why two claimants X < Y of one epoch E cannot both win (L = the LIST-to-PUT budget, W = the wait,
// W >= L + 2D; verifyWaitMs): Y won, so X's claim was not in Y's second LIST, which started at
// >= t2(Y) + W; so X's PUT returned after t2(Y) + W - D. X's PUT was on time, so X's first LIST
// started at >= t2(X) - L > t2(Y) + W - D - L >= t2(Y) + D, when Y's claim was listed. So X's
// first LIST showed a claim for E, and X claimed E + 1 or nothing, not E: a contradiction.
// tests/lease-verify-race.test.ts replays random interleavings against this, and shows two winners
// without the LIST-to-PUT bound (the naive protocol) and with visibility delays above D.
import type { Lease } from "./decide";

export interface ListedClaim {
  key: string;
  epoch: number;
  holderId: string;
  etag: string | null;
}

const EPOCH_DIGITS = 10;

/** `<path>.pb-ops/lease.json` -> `<path>.pb-ops/claims/` (beside the conditional mode's object). */
export function claimsPrefix(leaseKey: string): string {
  return leaseKey.replace(/lease\.json$/, "claims/");
}

export function claimKey(leaseKey: string, epoch: number, holderId: string): string {
  return `${claimsPrefix(leaseKey)}${String(epoch).padStart(EPOCH_DIGITS, "0")}-${holderId}.json`;
}

/** A listed key as a claim, or null for anything else under the prefix (ignored, never deleted). */
export function parseClaimKey(key: string, etag: string | null = null): ListedClaim | null {
  const m = /(?:^|\/)(\d{10})-([0-9a-z]{1,64})\.json$/.exec(key);
  if (!m) return null;
  return { key, epoch: Number(m[1]), holderId: m[2]!, etag };
}

/** The holder of the newest epoch: among that epoch's claims, the lowest id (the one that won). */
export function topClaim(claims: readonly ListedClaim[]): ListedClaim | null {
  let top: ListedClaim | null = null;
  for (const c of claims) if (!top || c.epoch > top.epoch || (c.epoch === top.epoch && c.holderId < top.holderId)) top = c;
  return top;
}

/**
 * The waits, from D. `maxListToPutMs`: a claim whose PUT returned later than this after the first
 * LIST started is withdrawn. `settleMs`: the wait between the PUT's return and the deciding LIST.
 * With L = maxListToPutMs and W = settleMs the argument above needs W >= L + 2D:
 * t1(X) >= t2(X) - L > t2(Y) + W - D - L >= t2(Y) + D.
 */
export function verifyWaitMs(visibilityMs: number): { maxListToPutMs: number; settleMs: number } {
  // A floor for the LIST-to-PUT budget: with D = 0 (AWS) two S3 round trips still take time.
  const maxListToPutMs = Math.max(visibilityMs, 1000);
  return { maxListToPutMs, settleMs: maxListToPutMs + 2 * visibilityMs };
}

export type VerifyOutcome =
  | { kind: "won" }
  | { kind: "late"; why: string }
  | { kind: "lost"; why: string }
  /** Our own claim is not listed after the wait: the server breaks the visibility assumption. */
  | { kind: "violated"; why: string };

/** Step 3: the deciding LIST after our claim. */
export function decideVerified(
  claims: readonly ListedClaim[],
  myId: string,
  myEpoch: number,
  listToPutMs: number,
  visibilityMs: number,
): VerifyOutcome {
  const { maxListToPutMs } = verifyWaitMs(visibilityMs);
  const newer = claims.find((c) => c.epoch > myEpoch);
  if (newer) return { kind: "lost", why: `a newer claim exists (${newer.holderId}, epoch ${newer.epoch})` };
  const same = claims.filter((c) => c.epoch === myEpoch);
  if (!same.some((c) => c.holderId === myId))
    return {
      kind: "violated",
      why: `our claim for epoch ${myEpoch} was not listed ${verifyWaitMs(visibilityMs).settleMs}ms after the server acknowledged it (PB_LEASE_VISIBILITY is ${visibilityMs}ms)`,
    };
  if (listToPutMs > maxListToPutMs)
    return {
      kind: "late",
      why: `our claim took ${listToPutMs}ms from the first LIST to the PUT's answer (more than ${maxListToPutMs}ms): withdrawing it and starting over`,
    };
  const lowest = same.reduce((a, c) => (c.holderId < a.holderId ? c : a));
  if (lowest.holderId !== myId)
    return { kind: "lost", why: `another container (${lowest.holderId}, epoch ${myEpoch}) is starting as primary on this replica` };
  return { kind: "won" };
}

/**
 * Our claim as the conditional mode's decideClaim() reads it: `previous.state` comes from the
 * previous holder's OWN object (it acknowledges and releases there, never in ours).
 */
export function withPreviousFrom(mine: Lease, prev: Lease | null): Lease {
  const p = mine.previous;
  if (!p || p.state === "released" || !prev || prev.epoch !== p.epoch || prev.holder.id !== p.holderId) return mine;
  if (prev.state === "released") return { ...mine, previous: { ...p, state: "released", releasedTxid: prev.releasedTxid ?? null } };
  if ((prev.ackedEpoch ?? 0) >= mine.epoch) return { ...mine, previous: { ...p, state: "acknowledged" } };
  return mine;
}

/** Claims of later epochs than ours, newest first: the holder reads them to find a verified one. */
export function laterClaims(claims: readonly ListedClaim[], myEpoch: number): ListedClaim[] {
  return claims.filter((c) => c.epoch > myEpoch).sort((a, b) => b.epoch - a.epoch || (a.holderId < b.holderId ? -1 : 1));
}

/** The holder's view at each heartbeat: a claim for a later epoch, or our own object gone. */
export function newerThan(
  claims: readonly ListedClaim[],
  myEpoch: number,
  myId: string,
): { kind: "none" } | { kind: "newer"; claim: ListedClaim } | { kind: "gone" } {
  let newer: ListedClaim | null = null;
  for (const c of claims)
    if (c.epoch > myEpoch && (!newer || c.epoch > newer.epoch || (c.epoch === newer.epoch && c.holderId < newer.holderId))) newer = c;
  if (newer) return { kind: "newer", claim: newer };
  if (!claims.some((c) => c.epoch === myEpoch && c.holderId === myId)) return { kind: "gone" };
  return { kind: "none" };
}

/** After a grant: claims of epochs older than the previous one are history (keeps the bucket small). */
export function staleClaims(claims: readonly ListedClaim[], myEpoch: number): ListedClaim[] {
  return claims.filter((c) => c.epoch < myEpoch - 1);
}
