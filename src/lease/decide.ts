// The deploy lease, as pure decisions. One JSON object beside the Litestream prefix
// (`<path>.pb-ops/lease.json`) says who may write to the replica. Every write to it is a conditional
// PUT (If-None-Match: * to create, If-Match: <etag> to replace), so two writers can never both
// succeed from the same version. Servers that ignore those headers get claim-then-verify
// (verify.ts), which feeds the same decisions from per-claimant objects. Clocks of two machines are never compared: a claimant measures
// freshness as "the object changed (new ETag) within TTL on MY clock", and a holder fences itself
// when its OWN last successful renewal is older than TTL minus two heartbeats.

type PreviousState = "claimed" | "acknowledged" | "released";

export interface Holder {
  id: string;
  host: string;
  startedAt: string;
}

export interface Lease {
  v: 1;
  epoch: number;
  holder: Holder;
  /** starting: claimed, restoring or waiting for the previous holder; active: serving and
   * replicating; released: the holder shut down cleanly after its last sync (nobody had claimed). */
  state: "starting" | "active" | "released";
  /** Set with state "released": the last transaction the holder shipped. */
  releasedTxid?: number | null;
  /** The holder's clock, for people reading the object; never used in a decision. */
  heartbeatAt: string;
  /** Verify mode only (src/lease/verify.ts): the holder saw a claim for this epoch and fenced. */
  ackedEpoch?: number;
  /** Verify mode only: the claimant won its epoch (set by the rewrite right after the deciding
   * LIST). A holder hands over only to a verified claim, so a claim that loses or is withdrawn
   * never fences it. */
  verified?: boolean;
  /** The holder this claim replaced, and how far its handoff got. */
  previous?: { epoch: number; holderId: string; state: PreviousState; releasedTxid?: number | null; releasedAt?: string };
}

export interface Timing {
  heartbeat: number;
  ttl: number;
  handoffTimeout: number;
}

/** What a claimant remembers between reads (all times on its own clock). */
export interface ClaimMemory {
  startedAtMs: number;
  lastEtag: string | null;
  lastChangeAtMs: number;
  /** The object changed while we watched, or we lost a write race to it: its writer is alive. */
  seenAlive: boolean;
  /** Our own claim, once written. */
  claimedEpoch: number | null;
  claimedAtMs: number | null;
  lastWriteAtMs: number;
}

export function newClaimMemory(nowMs: number): ClaimMemory {
  return {
    startedAtMs: nowMs,
    lastEtag: null,
    lastChangeAtMs: nowMs,
    seenAlive: false,
    claimedEpoch: null,
    claimedAtMs: null,
    lastWriteAtMs: 0,
  };
}

/** Records a read: an ETag other than the last one seen means someone wrote since. */
export function observe(mem: ClaimMemory, etag: string | null, nowMs: number): ClaimMemory {
  if (etag === mem.lastEtag) return mem;
  const first = mem.lastEtag === null;
  return { ...mem, lastEtag: etag, lastChangeAtMs: nowMs, seenAlive: mem.seenAlive || !first };
}

export type ClaimAction =
  | { kind: "create"; lease: Lease }
  | { kind: "replace"; lease: Lease; why: string }
  | { kind: "renew"; lease: Lease }
  | { kind: "wait"; why: string }
  | { kind: "granted"; takeover: boolean; releasedTxid: number | null; why: string }
  | { kind: "standby"; why: string };

export function newLease(epoch: number, me: Holder, nowIso: string, previous?: Lease["previous"]): Lease {
  return { v: 1, epoch, holder: me, state: "starting", heartbeatAt: nowIso, ...(previous ? { previous } : {}) };
}

/**
 * One step of a new container's claim. `lease` is what was just read (null: no object), `mem`
 * already includes that read (observe()).
 */
export function decideClaim(lease: Lease | null, me: Holder, mem: ClaimMemory, nowMs: number, nowIso: string, t: Timing): ClaimAction {
  if (!lease) {
    if (mem.claimedEpoch !== null) return { kind: "standby", why: "our claim disappeared from the bucket (deleted by someone else)" };
    return { kind: "create", lease: newLease(1, me, nowIso) };
  }

  if (lease.holder.id === me.id) {
    const p = lease.previous;
    const since = nowMs - (mem.claimedAtMs ?? mem.startedAtMs);
    if (!p || p.state === "released")
      return {
        kind: "granted",
        takeover: false,
        releasedTxid: p?.releasedTxid ?? null,
        why: p ? `holder ${p.holderId} released at TXID ${p.releasedTxid ?? "none"}` : "first holder",
      };
    if (p.state === "claimed" && since >= t.ttl)
      return {
        kind: "granted",
        takeover: true,
        releasedTxid: null,
        why: `holder ${p.holderId} did not acknowledge within ${t.ttl}ms (crashed or killed): taking over`,
      };
    if (p.state === "acknowledged" && since >= t.handoffTimeout)
      return {
        kind: "granted",
        takeover: true,
        releasedTxid: null,
        why: `holder ${p.holderId} acknowledged but did not release within ${t.handoffTimeout}ms: taking over`,
      };
    if (nowMs - mem.lastWriteAtMs >= t.heartbeat) return { kind: "renew", lease: { ...lease, heartbeatAt: nowIso } };
    return {
      kind: "wait",
      why:
        p.state === "claimed"
          ? `waiting for holder ${p.holderId} to acknowledge`
          : `waiting for holder ${p.holderId} to ship its last transaction and release`,
    };
  }

  // Someone else holds it.
  if (mem.claimedEpoch !== null)
    return { kind: "standby", why: `our claim (epoch ${mem.claimedEpoch}) was replaced by ${lease.holder.id} (epoch ${lease.epoch})` };
  const claim = (why: string): ClaimAction => ({
    kind: "replace",
    why,
    lease: newLease(lease.epoch + 1, me, nowIso, { epoch: lease.epoch, holderId: lease.holder.id, state: "claimed" }),
  });
  if (lease.state === "released")
    return {
      kind: "replace",
      why: `holder ${lease.holder.id} (epoch ${lease.epoch}) shut down cleanly`,
      lease: newLease(lease.epoch + 1, me, nowIso, {
        epoch: lease.epoch,
        holderId: lease.holder.id,
        state: "released",
        releasedTxid: lease.releasedTxid ?? null,
      }),
    };
  if (lease.state === "active") return claim(`holder ${lease.holder.id} (epoch ${lease.epoch}) is active: asking it to hand over`);
  // A starting claimant: alive if its object changed within TTL while we watched.
  const quietFor = nowMs - mem.lastChangeAtMs;
  if (quietFor >= t.ttl)
    return claim(`claimant ${lease.holder.id} (epoch ${lease.epoch}) has not written for ${quietFor}ms: taking over its claim`);
  if (mem.seenAlive)
    return { kind: "standby", why: `another container (${lease.holder.id}, epoch ${lease.epoch}) is starting as primary on this replica` };
  return { kind: "wait", why: `watching claimant ${lease.holder.id} (epoch ${lease.epoch}) for a heartbeat` };
}

export type RenewResult = { kind: "ok" } | { kind: "conflict"; lease: Lease | null } | { kind: "error" };

export type HolderAction =
  | { kind: "renewed" }
  /** Our own object changed under us (the previous holder acknowledging or releasing): renew again from it. */
  | { kind: "retry" }
  | { kind: "handoff"; newer: Lease | null; why: string }
  | { kind: "self-fence"; why: string }
  | { kind: "keep-trying"; why: string };

/** The holder after one renewal attempt. */
export function decideHolder(myEpoch: number, myId: string, lastOkAtMs: number, res: RenewResult, nowMs: number, t: Timing): HolderAction {
  if (res.kind === "ok") return { kind: "renewed" };
  if (res.kind === "conflict") {
    const l = res.lease;
    if (l && l.epoch === myEpoch && l.holder.id === myId) return { kind: "retry" };
    return { kind: "handoff", newer: l, why: l ? `${l.holder.id} claimed epoch ${l.epoch}` : "the lease object was deleted" };
  }
  const age = nowMs - lastOkAtMs;
  if (age >= t.ttl - 2 * t.heartbeat)
    return { kind: "self-fence", why: `no successful renewal for ${age}ms (TTL ${t.ttl}ms): a new container may take over` };
  return { kind: "keep-trying", why: `renewal failed; last success ${age}ms ago` };
}

/** The old holder's mark on the claim that replaced it, or null when the claim is about someone else. */
export function markPrevious(
  lease: Lease,
  myEpoch: number,
  myId: string,
  state: "acknowledged" | "released",
  txid: number | null,
  nowIso: string,
): Lease | null {
  const p = lease.previous;
  if (!p || p.epoch !== myEpoch || p.holderId !== myId) return null;
  if (p.state === "released" || (p.state === state && state === "acknowledged")) return null;
  return { ...lease, previous: { ...p, state, ...(state === "released" ? { releasedTxid: txid, releasedAt: nowIso } : {}) } };
}

/** A clean shutdown with no claim pending: the holder marks its own lease released. */
export function releaseOwn(lease: Lease, myEpoch: number, myId: string, txid: number, nowIso: string): Lease | null {
  if (lease.epoch !== myEpoch || lease.holder.id !== myId) return null;
  return { ...lease, state: "released", releasedTxid: txid, heartbeatAt: nowIso };
}

/** Reads the object's JSON; anything else is a foreign object we refuse to overwrite blindly. */
export function parseLease(text: string): Lease | null {
  try {
    const o = JSON.parse(text) as Lease;
    if (
      o &&
      o.v === 1 &&
      typeof o.epoch === "number" &&
      o.holder &&
      typeof o.holder.id === "string" &&
      (o.state === "starting" || o.state === "active" || o.state === "released")
    )
      return o;
  } catch {
    // fall through
  }
  return null;
}

/** `s3://bucket/path` -> Litestream owns `path/`; the lease lives at `path.pb-ops/lease.json`. */
export function leaseKey(prefix: string): string {
  const base = prefix.replace(/\/+$/, "");
  return `${base || "pb-ops"}.pb-ops/lease.json`;
}
