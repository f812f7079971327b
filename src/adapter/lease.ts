// The deploy lease in the container: console commands the entrypoint runs (`pocketbase pb-ops lease
// claim|hold|release`, each with a throwaway --dir), and the serving side (the write fence stage,
// the loopback refresh route, the standby/handing-over role in health and backup-status).
//
// Why a separate agent process: goja has no timers, so a heartbeat inside `serve` would pin a VM
// in a sleep loop; a console command may sleep() freely. The agent tells the serving process what
// changed by writing the role file (pb_data/.pb-ops-lease/role) and calling a loopback-only route
// that makes it re-read that file; the route needs the per-boot secret the entrypoint wrote (0600).
// The serving process reads the role file at start too, so a fence written before it listened
// still holds. The entrypoint (supervisor) stops Litestream when the agent exits.
import { replicaFromEnv } from "../backup/replica";
import { parseLtxName } from "../backup/remote";
import {
  decideClaim,
  decideHolder,
  leaseKey,
  markPrevious,
  releaseOwn,
  newClaimMemory,
  observe,
  type Holder,
  type Lease,
  type RenewResult,
} from "../lease/decide";
import { leaseSettingsError, leaseTiming, selfFenceAfterMs, type LeaseSettings } from "../lease/config";
import {
  claimKey,
  claimsPrefix,
  decideVerified,
  laterClaims,
  newerThan,
  staleClaims,
  topClaim,
  verifyWaitMs,
  withPreviousFrom,
  type ListedClaim,
} from "../lease/verify";
import { constantTimeEqual } from "../crypto/constant-time";
import { getConfig } from "./config";
import { LeaseStore } from "./lease-s3";
import { STORE } from "./keys";
import type { Role } from "./lease-fence";
import { dirNames } from "./local";
// The fence stage and the role read live in lease-fence.ts: the request middleware's bundle
// (pb_ops/hot.js) loads them without this module's S3 client (docs/performance.md).
export { currentRole } from "./lease-fence";

/** How long a write already past the fence has to commit before Litestream is stopped. */
const DRAIN_MS = 1000;
const EXIT = { granted: 0, fatal: 1, standby: 3, disabled: 4, handoff: 10, selfFenced: 11, lostProcess: 12 } as const;

type Env = Record<string, string | undefined>;
const env = (): Env => process.env as Env;

/** A `wait` step of the claim: says why (once while the reason stays the same), pauses 200 ms; the reason said. */
function waitStep(why: string, lastWhy: string): string {
  if (why !== lastWhy) line(why);
  sleep(200);
  return why;
}

function line(msg: string): void {
  console.error(`pb-ops lease: ${msg}`);
}

function fatal(msg: string): never {
  console.error(`pb-ops lease: FATAL: ${msg}`);
  $os.exit(EXIT.fatal);
  throw new Error("unreachable");
}

function settings(): LeaseSettings {
  const s = getConfig().lease;
  const err = leaseSettingsError(s, env());
  if (err) throw err;
  return leaseTiming(s, env());
}

function stateDir(): string {
  const d = env().POCKETBASE_DIR;
  if (!d) fatal("POCKETBASE_DIR is not set (the entrypoint sets it)");
  return `${d}/.pb-ops-lease`;
}

function writePrivate(path: string, text: string): void {
  $os.writeFile(path, text, 0o600 as unknown as fs.FileMode);
}

function readText(path: string): string | null {
  try {
    return toString($os.readFile(path));
  } catch {
    return null;
  }
}

function randomId(): string {
  return $security.randomStringWithAlphabet(12, "0123456789abcdef");
}

function openStore(): LeaseStore {
  const r = replicaFromEnv(env());
  if (r.kind !== "ok") fatal(r.reason);
  if (!r.credentials) fatal("LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY are needed for the lease");
  const s = settings();
  return new LeaseStore(r.target, r.credentials, leaseKey(r.target.prefix), Math.max(1, Math.min(5, Math.floor(s.heartbeat / 1000))));
}

function nowIso(): string {
  return new Date().toISOString();
}

/** `pocketbase pb-ops lease <sub>`: the console command registered by the hook file. */
export function leaseCommand(args: string[]): void {
  const sub = args[0] === "lease" ? args[1] : args[0];
  let s: LeaseSettings;
  try {
    s = settings();
  } catch (err) {
    console.error((err as Error).message);
    $os.exit(EXIT.fatal);
    return;
  }
  if (!s.enabled || !env().REPLICA_URL) {
    line("disabled (PB_LEASE=off or no REPLICA_URL)");
    $os.exit(EXIT.disabled);
    return;
  }
  if (sub === "claim") claim(s);
  else if (sub === "hold") hold(s);
  else if (sub === "release") release(s);
  else fatal(`unknown subcommand ${JSON.stringify(sub)}: use claim, hold or release`);
}

// ---- claim: a new container, before restoring --------------------------------------------------

type Writes = "conditional" | "verify";

/** PB_LEASE_WRITES: forced, or (auto) what the probe says; logged once per claim with the reason. */
function chooseWrites(s: LeaseSettings, store: LeaseStore, me: Holder): Writes {
  if (s.writes === "verify") {
    line(
      `lease writes: verify (PB_LEASE_WRITES=verify): claim-then-verify with plain PUT/GET/LIST, no conditional headers; assumes a PUT shows in LISTs within ${s.visibility}ms`,
    );
    return "verify";
  }
  const probe = store.probeConditionalWrites(me.id);
  if (!probe.ok)
    fatal(
      `cannot reach the replica bucket to take the lease (${probe.detail}); not starting: restoring now could run beside a live primary`,
    );
  if (probe.supported) {
    line(
      `lease writes: conditional (PB_LEASE_WRITES=${s.writes}; the server refused a second create-only PUT, so If-None-Match/If-Match are honoured)`,
    );
    return "conditional";
  }
  if (s.writes === "conditional")
    fatal(
      "this S3 server ignores conditional writes (PUT If-None-Match: *), so two containers could both take the lease; set PB_LEASE_WRITES=verify (claim-then-verify, docs/deploy.md) or auto, or PB_LEASE=off to run without it (overlapping deploys can then lose writes)",
    );
  line(
    `lease writes: verify (PB_LEASE_WRITES=auto; this S3 server ignores If-None-Match on PUT): claim-then-verify with plain PUTs; assumes a PUT shows in LISTs within ${s.visibility}ms (PB_LEASE_VISIBILITY)`,
  );
  return "verify";
}

function claim(s: LeaseSettings): void {
  const store = openStore();
  const me: Holder = { id: randomId(), host: env().HOSTNAME ?? "unknown", startedAt: nowIso() };
  const writes = chooseWrites(s, store, me);
  if (writes === "verify") {
    otherModeGuard(s, `conditional-mode lease ${store.key}`, () => {
      const r = store.read();
      if (!r.ok) return { ok: false, detail: r.detail };
      return { ok: true, live: !!r.lease && r.lease.state !== "released", etag: r.etag };
    });
    claimVerify(s, store, me);
    return;
  }
  otherModeGuard(s, `verify-mode claims under ${claimsPrefix(store.key)}`, () => {
    const l = store.listClaims();
    if (!l.ok) return { ok: false, detail: l.detail };
    const top = topClaim(l.claims);
    if (!top) return { ok: true, live: false, etag: null };
    const r = store.readKey(top.key);
    if (!r.ok) return { ok: false, detail: r.detail };
    return { ok: true, live: !!r.lease && r.lease.state !== "released", etag: r.etag };
  });

  let mem = newClaimMemory(Date.now());
  let errors = 0;
  let lastWhy = "";
  line(`claiming ${store.key} as ${me.id}`);
  for (;;) {
    const r = store.read();
    if (!r.ok) {
      if (++errors >= 3)
        fatal(`cannot read the lease (${r.kind}: ${r.detail}); not starting: restoring now could run beside a live primary`);
      sleep(500);
      continue;
    }
    if (r.foreign) fatal(`${store.key} exists but is not a pb-ops lease; remove it or change REPLICA_URL`);
    const now = Date.now();
    mem = observe(mem, r.etag, now);
    const a = decideClaim(r.lease, me, mem, now, nowIso(), s);
    if (a.kind === "create" || a.kind === "replace" || a.kind === "renew") {
      if (a.kind !== "renew") line(a.kind === "create" ? "no lease yet: creating epoch 1" : `${a.why}: claiming epoch ${a.lease.epoch}`);
      const w = store.write(a.lease, a.kind === "create" ? null : r.etag);
      if (w.kind === "ok") {
        if (a.kind !== "renew") mem = { ...mem, claimedEpoch: a.lease.epoch, claimedAtMs: Date.now() };
        mem = { ...mem, lastEtag: w.etag, lastWriteAtMs: Date.now() };
      } else if (w.kind === "conflict") {
        mem = { ...mem, seenAlive: true, lastChangeAtMs: Date.now() };
      } else if (++errors >= 3) fatal(`cannot write the lease (${w.detail}); not starting`);
      continue;
    }
    if (a.kind === "wait") {
      lastWhy = waitStep(a.why, lastWhy);
      continue;
    }
    if (a.kind === "standby") standby(store, me, a.why, r.lease?.epoch ?? 0);
    // granted
    granted(store, me, (r.lease as Lease).epoch, a as Extract<typeof a, { kind: "granted" }>, "conditional", []);
    return;
  }
}

/**
 * The lease of the OTHER mode (a container started with another PB_LEASE_WRITES on this replica)
 * is invisible to this mode's protocol. If it shows a holder that is alive (its object changes
 * within the TTL while we watch), refuse to start; a stale or released one is ignored.
 */
function otherModeGuard(
  s: LeaseSettings,
  what: string,
  look: () => { ok: true; live: boolean; etag: string | null } | { ok: false; detail: string },
): void {
  const first = look();
  if (!first.ok) fatal(`cannot read the ${what} (${first.detail}); not starting`);
  if (!first.live) return;
  line(`found a live-looking ${what}: watching it for ${s.ttl}ms`);
  const until = Date.now() + s.ttl;
  while (Date.now() < until) {
    sleep(s.heartbeat);
    const r = look();
    if (!r.ok) fatal(`cannot read the ${what} (${r.detail}); not starting`);
    if (!r.live) return;
    if (r.etag !== first.etag)
      fatal(
        `a container using the other PB_LEASE_WRITES mode holds the lease (${what} is being renewed); not starting beside it. Stop it first, or use the same PB_LEASE_WRITES on both`,
      );
  }
  line(`the ${what} was not renewed for ${s.ttl}ms: ignoring it`);
}

/** `epoch`: the epoch this standby deferred to; a holder of that epoch or an older one keeps its note. */
function standby(store: LeaseStore, me: Holder, why: string, epoch: number): never {
  $os.mkdirAll(stateDir(), 0o700 as unknown as fs.FileMode);
  writePrivate(`${stateDir()}/role`, `standby\t${why}`);
  // A note the primary's backup-status reports (a foreign claimant on its replica).
  store.putNote(me.id, { id: me.id, host: me.host, startedAt: me.startedAt, reason: why, epoch });
  line(`STANDBY: ${why}. This container will not restore, replicate or accept writes.`);
  $os.exit(EXIT.standby);
  throw new Error("unreachable");
}

function granted(
  store: LeaseStore,
  me: Holder,
  epoch: number,
  a: { takeover: boolean; releasedTxid: number | null; why: string },
  writes: Writes,
  claims: ListedClaim[],
): void {
  line(`${a.takeover ? "TAKEOVER: " : ""}granted epoch ${epoch}: ${a.why}`);
  if (a.releasedTxid) waitForTxid(store, a.releasedTxid);
  // Notes of standbys that watched an earlier epoch: the report starts afresh with ours. A note about
  // our own epoch stays (a claimant that lost to us may have written it before this line).
  for (const n of store.listNotes() ?? []) {
    const note = store.readNote(n.key);
    if (typeof note?.epoch !== "number" || note.epoch < epoch) store.deleteKey(n.key);
  }
  // Verify mode: claims older than the previous epoch are history.
  for (const c of staleClaims(claims, epoch)) store.deleteKey(c.key);
  $os.mkdirAll(stateDir(), 0o700 as unknown as fs.FileMode);
  writePrivate(`${stateDir()}/holder.json`, JSON.stringify({ id: me.id, epoch, host: me.host, startedAt: me.startedAt, writes }));
  writePrivate(`${stateDir()}/role`, `primary\tepoch ${epoch}`);
  $os.exit(EXIT.granted);
}

/**
 * Claim-then-verify (src/lease/verify.ts): the same decisions as the conditional mode, read from
 * the newest epoch's claim object; our claim is our own object, written with a plain PUT and kept
 * only if the LIST after the wait shows it as the lowest id of its epoch.
 */
function claimVerify(s: LeaseSettings, store: LeaseStore, me: Holder): void {
  const { settleMs } = verifyWaitMs(s.visibility);
  let mem = newClaimMemory(Date.now());
  let errors = 0;
  let lastWhy = "";
  let mine: Lease | null = null;
  let myKey = "";
  const failed = (what: string, detail: string): void => {
    if (++errors >= 3) fatal(`cannot ${what} (${detail}); not starting: restoring now could run beside a live primary`);
    sleep(500);
  };
  line(`claiming ${claimsPrefix(store.key)} as ${me.id}`);
  for (;;) {
    const t1 = Date.now();
    const list = store.listClaims();
    if (!list.ok) {
      failed("list the lease claims", list.detail);
      continue;
    }
    if (mine) {
      // Won: wait for the previous holder (it acknowledges and releases in its own object).
      const nv = newerThan(list.claims, mine.epoch, me.id);
      if (nv.kind === "newer")
        standby(
          store,
          me,
          `our claim (epoch ${mine.epoch}) was followed by ${nv.claim.holderId} (epoch ${nv.claim.epoch})`,
          nv.claim.epoch,
        );
      if (nv.kind === "gone") standby(store, me, "our claim disappeared from the bucket (deleted by someone else)", mine.epoch);
      const p = mine.previous;
      let prev: Lease | null = null;
      if (p && p.state !== "released") {
        const r = store.readKey(claimKey(store.key, p.epoch, p.holderId));
        if (!r.ok) {
          failed("read the previous holder's claim", r.detail);
          continue;
        }
        prev = r.lease;
      }
      const now = Date.now();
      const a = decideClaim(withPreviousFrom(mine, prev), me, mem, now, nowIso(), s);
      if (a.kind === "renew") {
        const next: Lease = { ...mine, heartbeatAt: nowIso() };
        const w = store.putPlain(myKey, next);
        if (w.ok) {
          mine = next;
          mem = { ...mem, lastWriteAtMs: Date.now() };
        } else failed("renew our claim", w.detail);
        continue;
      }
      if (a.kind === "granted") {
        granted(store, me, mine.epoch, a, "verify", list.claims);
        return;
      }
      if (a.kind === "wait") {
        lastWhy = waitStep(a.why, lastWhy);
        continue;
      }
      standby(store, me, a.kind === "standby" ? a.why : `unexpected step ${a.kind} after our claim`, mine.epoch);
    }

    const top = topClaim(list.claims);
    let view: Lease | null = null;
    let seen: string | null = null;
    if (top) {
      const r = store.readKey(top.key);
      if (!r.ok) {
        failed("read the newest claim", r.detail);
        continue;
      }
      if (!r.lease && !r.foreign) continue; // deleted between LIST and GET (a loser withdrawing): look again
      if (r.foreign || r.lease!.epoch !== top.epoch || r.lease!.holder.id !== top.holderId)
        fatal(`${top.key} is not a pb-ops lease claim; remove it or change REPLICA_URL`);
      view = r.lease;
      seen = `${top.key} ${r.etag}`;
    }
    const now = Date.now();
    mem = observe(mem, seen, now);
    const a = decideClaim(view, me, mem, now, nowIso(), s);
    if (a.kind === "wait") {
      lastWhy = waitStep(a.why, lastWhy);
      continue;
    }
    if (a.kind === "standby") standby(store, me, a.why, view?.epoch ?? 0);
    if (a.kind !== "create" && a.kind !== "replace") fatal(`unexpected step ${a.kind} before our claim`);
    line(a.kind === "create" ? "no lease yet: claiming epoch 1" : `${a.why}: claiming epoch ${a.lease.epoch}`);
    const key = claimKey(store.key, a.lease.epoch, me.id);
    const w = store.putPlain(key, a.lease);
    const t2 = Date.now();
    if (!w.ok) {
      store.deleteKey(key);
      failed("write our claim", w.detail);
      continue;
    }
    sleep(settleMs);
    const l2 = store.listClaims();
    if (!l2.ok) {
      store.deleteKey(key);
      failed("list the lease claims", l2.detail);
      continue;
    }
    const v = decideVerified(l2.claims, me.id, a.lease.epoch, t2 - t1, s.visibility);
    if (v.kind === "won") {
      // Marked verified: only now does the previous holder hand over, and its TTL to acknowledge
      // counts from this write (as from the claim in conditional mode).
      const won: Lease = { ...a.lease, verified: true, heartbeatAt: nowIso() };
      const wv = store.putPlain(key, won);
      if (!wv.ok) {
        store.deleteKey(key);
        failed("mark our claim verified", wv.detail);
        continue;
      }
      const at = Date.now();
      line(
        `verified: epoch ${a.lease.epoch} is ours (the lowest id of its claims ${settleMs}ms after our PUT; the first LIST to the PUT's answer took ${t2 - t1}ms)`,
      );
      mine = won;
      myKey = key;
      mem = { ...mem, claimedEpoch: a.lease.epoch, claimedAtMs: at, lastWriteAtMs: at };
      continue;
    }
    store.deleteKey(key);
    if (v.kind === "late") {
      line(v.why);
      mem = newClaimMemory(Date.now());
      continue;
    }
    if (v.kind === "lost") standby(store, me, v.why, a.lease.epoch);
    fatal(`${v.why}: this S3 server breaks the verify mode's assumption; raise PB_LEASE_VISIBILITY. Not starting`);
  }
}

/** The replica must hold what the previous holder released before we restore from it. */
function waitForTxid(store: LeaseStore, txid: number): void {
  let last = "";
  for (let i = 0; i < 10; i++) {
    const r = store.remoteMaxTxid();
    if (r.ok && r.maxTXID >= txid) {
      line(`replica holds TXID ${r.maxTXID} >= released ${txid}`);
      return;
    }
    last = r.ok ? `replica's newest TXID is ${r.maxTXID}` : r.detail;
    sleep(500);
  }
  fatal(`the previous holder released at TXID ${txid} but ${last}; not restoring an older copy`);
}

// ---- hold: the agent beside a primary ----------------------------------------------------------

interface HolderFile {
  id: string;
  epoch: number;
  /** How the claim was written; absent in files from before verify mode: conditional. */
  writes?: Writes;
}

function holderFile(): HolderFile {
  const t = readText(`${stateDir()}/holder.json`);
  if (!t) fatal("no holder.json: run `pb-ops lease claim` first");
  return JSON.parse(t) as HolderFile;
}

function pidsAlive(): string | null {
  const t = readText(`${stateDir()}/pids`);
  if (!t) return null;
  for (const pid of t.trim().split(/\s+/)) {
    try {
      $os.stat(`/proc/${pid}`);
    } catch {
      return `process ${pid} (${t.trim().split(/\s+/).indexOf(pid) === 0 ? "litestream" : "pocketbase"}) is gone`;
    }
  }
  return null;
}

function serverHealthy(): boolean {
  try {
    const res = $http.send({ url: `http://127.0.0.1:${env().PORT ?? "8080"}/api/ops/health`, method: "GET", timeout: 1 }) as unknown as {
      statusCode: number;
    };
    return res.statusCode === 200;
  } catch {
    return false;
  }
}

/** Tells the serving process to re-read the role file (loopback route, per-boot secret). */
function notifyServer(): void {
  const secret = readText(`${stateDir()}/secret`)?.trim();
  if (!secret) return;
  for (let i = 0; i < 10; i++) {
    try {
      const res = $http.send({
        url: `http://127.0.0.1:${env().PORT ?? "8080"}/api/ops/lease/refresh`,
        method: "POST",
        headers: { "x-pb-ops-lease-secret": secret },
        timeout: 1,
      }) as unknown as { statusCode: number };
      if (res.statusCode === 204) return;
    } catch {
      // not listening yet: it reads the role file when it starts
    }
    sleep(200);
  }
}

function fence(reason: string): void {
  writePrivate(`${stateDir()}/role`, `fenced\t${reason}`);
  // The line goes out before the server is told, so the log names the reason before any write is
  // refused for it (the server may already read the role file on its own first).
  line(`FENCED: ${reason}. Writes answer 503; reads keep working.`);
  notifyServer();
}

/** One mode's way of renewing the lease and acknowledging a newer claim. */
interface Renewer {
  /** The first read after the claim; a failure here is S3 trouble, not a newer claim. */
  first(): { ok: true } | { ok: false; detail: string };
  renew(wantActive: boolean): RenewResult;
  acknowledge(newer: Lease | null): void;
  /** Whether a renewal counts from its start (verify: its LIST, which saw no newer claim, comes
   * before its PUT) or from its answer (conditional: the If-Match PUT itself is the check). */
  countsFromStart: boolean;
}

/** Conditional mode: If-Match on lease.json; a 412 means someone wrote it (a newer claim, or the
 * previous holder acknowledging in our claim). */
function conditionalRenewer(store: LeaseStore, me: HolderFile): Renewer {
  let etag: string | null = null;
  let lease: Lease | null = null;
  return {
    first() {
      const r = store.read();
      if (!r.ok) return { ok: false, detail: `${r.kind}: ${r.detail}` };
      etag = r.etag;
      lease = r.lease;
      return { ok: true };
    },
    renew(wantActive) {
      if (!lease || lease.epoch !== me.epoch || lease.holder.id !== me.id) return { kind: "conflict", lease };
      const next: Lease = { ...lease, state: wantActive ? "active" : lease.state, heartbeatAt: nowIso() };
      const w = store.write(next, etag);
      if (w.kind === "ok") {
        etag = w.etag;
        lease = next;
        return { kind: "ok" };
      }
      if (w.kind === "conflict") {
        const r = store.read();
        if (!r.ok) return { kind: "error" };
        etag = r.etag;
        lease = r.lease;
        return { kind: "conflict", lease: r.lease };
      }
      return { kind: "error" };
    },
    acknowledge() {
      acknowledge(store, me);
    },
    countsFromStart: false,
  };
}

/** Verify mode: a LIST for newer claims, then a plain PUT of our own claim object. */
function verifyRenewer(store: LeaseStore, me: HolderFile): Renewer {
  const key = claimKey(store.key, me.epoch, me.id);
  let lease: Lease | null = null;
  return {
    first() {
      const r = store.readKey(key);
      if (!r.ok) return { ok: false, detail: `${r.kind}: ${r.detail}` };
      lease = r.lease;
      return { ok: true };
    },
    renew(wantActive) {
      const l = store.listClaims();
      if (!l.ok) return { kind: "error" };
      // Only a verified claim (its claimant won the epoch) makes us hand over: a claim still in its
      // wait, withdrawn or lost does not fence writes. A few GETs, only while later claims exist.
      for (const c of laterClaims(l.claims, me.epoch).slice(0, 5)) {
        const r = store.readKey(c.key);
        if (!r.ok) return { kind: "error" };
        if (r.lease?.verified) return { kind: "conflict", lease: r.lease };
      }
      if (!l.claims.some((c) => c.epoch === me.epoch && c.holderId === me.id) || !lease) return { kind: "conflict", lease: null };
      const next: Lease = { ...lease, state: wantActive ? "active" : lease.state, heartbeatAt: nowIso() };
      if (!store.putPlain(key, next).ok) return { kind: "error" };
      lease = next;
      return { kind: "ok" };
    },
    acknowledge(newer) {
      if (newer && markOwnVerify(store, me, { ackedEpoch: newer.epoch }))
        line(`acknowledged the claim for epoch ${newer.epoch} (in our own claim object)`);
      else line("could not record the acknowledgement; handing over anyway");
    },
    countsFromStart: true,
  };
}

/** Verify mode: the holder writes acknowledgement and release into its OWN object (one writer). */
function markOwnVerify(store: LeaseStore, me: HolderFile, change: { ackedEpoch: number } | { releasedTxid: number }): boolean {
  const key = claimKey(store.key, me.epoch, me.id);
  for (let i = 0; i < 20; i++) {
    const r = store.readKey(key);
    if (!r.ok || !r.lease) {
      sleep(250);
      continue;
    }
    const next: Lease =
      "ackedEpoch" in change
        ? { ...r.lease, ackedEpoch: Math.max(r.lease.ackedEpoch ?? 0, change.ackedEpoch) }
        : { ...r.lease, state: "released", releasedTxid: change.releasedTxid, heartbeatAt: nowIso() };
    if (store.putPlain(key, next).ok) return true;
    sleep(250);
  }
  return false;
}

function hold(s: LeaseSettings): void {
  const store = openStore();
  const me = holderFile();
  const renewer = me.writes === "verify" ? verifyRenewer(store, me) : conditionalRenewer(store, me);
  let lastOk = Date.now();
  let active = false;
  for (;;) {
    const first = renewer.first();
    if (first.ok) break;
    if (Date.now() - lastOk >= selfFenceAfterMs(s)) {
      fence(`cannot read the lease (${first.detail})`);
      $os.exit(EXIT.selfFenced);
    }
    sleep(s.heartbeat / 4);
  }
  line(`holding epoch ${me.epoch} as ${me.id} (${me.writes ?? "conditional"} writes, heartbeat ${s.heartbeat}ms, TTL ${s.ttl}ms)`);
  let tick = 0;
  let standbys = "";
  let failing = false;
  const fenceAfter = selfFenceAfterMs(s);
  for (;;) {
    // The deadline is checked before every S3 request too: a failing request can take its whole
    // timeout, and the fence must come TTL - 2 heartbeats after the last renewal, not a request later.
    const due = decideHolder(me.epoch, me.id, lastOk, { kind: "error" }, Date.now(), s);
    if (due.kind === "self-fence") {
      fence(due.why);
      $os.exit(EXIT.selfFenced);
    }
    if (tick++ % 5 === 0 && !failing) standbys = recordStandbys(store, standbys);
    const gone = pidsAlive();
    if (gone) {
      line(`${gone}: stopping the container`);
      $os.exit(EXIT.lostProcess);
    }
    const wantActive: boolean = active || serverHealthy();
    const began = Date.now();
    const res = renewer.renew(wantActive);
    failing = res.kind === "error";
    const a = decideHolder(me.epoch, me.id, lastOk, res, Date.now(), s);
    if (a.kind === "renewed") {
      lastOk = renewer.countsFromStart ? began : Date.now();
      if (wantActive && !active) line(`epoch ${me.epoch} active`);
      active = wantActive;
    } else if (a.kind === "retry") continue;
    else if (a.kind === "handoff") {
      fence(`a deploy is in progress: ${a.why}`);
      renewer.acknowledge(res.kind === "conflict" ? res.lease : null);
      // Drain: a write that passed the fence just before it went up commits within this; after it,
      // the entrypoint stops Litestream, whose last sync ships everything committed.
      sleep(DRAIN_MS);
      $os.exit(EXIT.handoff);
    } else if (a.kind === "self-fence") {
      fence(a.why);
      $os.exit(EXIT.selfFenced);
    } else line(a.why);
    sleep(Math.max(0, Math.min(s.heartbeat, lastOk + fenceAfter - Date.now())));
  }
}

/** Lists standby notes now and then, for backup-status (written only when the list changes). */
function recordStandbys(store: LeaseStore, last: string): string {
  const notes = store.listNotes();
  if (!notes) return last;
  const keys = notes
    .map((n) => n.key)
    .sort()
    .join(",");
  if (keys === last) return last;
  const seen = notes
    .slice(0, 10)
    .map((n) => ({ ...(store.readNote(n.key) ?? { key: n.key }), noteWrittenAt: new Date(n.modTimeMs).toISOString() }));
  writePrivate(`${stateDir()}/standbys.json`, JSON.stringify(seen));
  if (seen.length)
    line(
      `WARNING: ${seen.length} other container(s) on this replica are standing by: ${seen.map((x) => String((x as { id?: string }).id ?? "?")).join(", ")}`,
    );
  return keys;
}

function updatePrevious(store: LeaseStore, me: HolderFile, state: "acknowledged" | "released", txid: number | null): boolean {
  for (let i = 0; i < 20; i++) {
    const r = store.read();
    if (!r.ok || !r.lease) {
      sleep(250);
      continue;
    }
    // Our own lease still (a clean shutdown, nobody claimed): release it ourselves.
    const next =
      state === "released" && txid !== null && r.lease.epoch === me.epoch
        ? releaseOwn(r.lease, me.epoch, me.id, txid, nowIso())
        : markPrevious(r.lease, me.epoch, me.id, state, txid, nowIso());
    if (!next) return false;
    const w = store.write(next, r.etag);
    if (w.kind === "ok") return true;
    if (w.kind === "error") sleep(250);
  }
  return false;
}

function acknowledge(store: LeaseStore, me: HolderFile): void {
  if (updatePrevious(store, me, "acknowledged", null)) line(`acknowledged the claim that replaced epoch ${me.epoch}`);
  else line("the newer claim is not about this epoch (or could not be written); handing over anyway");
}

// ---- release: after Litestream stopped ---------------------------------------------------------

/** Newest TXID Litestream wrote locally (v0.5 keeps LTX files under .data.db-litestream/ltx/<level>/). */
function localTxid(): number {
  const meta = `${env().POCKETBASE_DIR}/.data.db-litestream/ltx`;
  let max = 0;
  for (const level of dirNames(meta)) for (const n of dirNames(`${meta}/${level}`)) max = Math.max(max, parseLtxName(n)?.maxTXID ?? 0);
  return max;
}

function release(s: LeaseSettings): void {
  const store = openStore();
  const me = holderFile();
  const local = localTxid();
  const deadline = Date.now() + s.handoffTimeout / 2;
  let remote = -1;
  for (;;) {
    const r = store.remoteMaxTxid();
    if (r.ok) remote = r.maxTXID;
    if (remote >= local) break;
    if (Date.now() > deadline) {
      line(
        `ERROR: the replica holds TXID ${remote}, this container wrote ${local}: not releasing (the new container takes over after PB_LEASE_HANDOFF_TIMEOUT)`,
      );
      $os.exit(EXIT.fatal);
    }
    sleep(250);
  }
  const done = me.writes === "verify" ? markOwnVerify(store, me, { releasedTxid: local }) : updatePrevious(store, me, "released", local);
  if (done) line(`released epoch ${me.epoch} at TXID ${local} (replica has ${remote})`);
  else line(`shipped TXID ${local}; the current claim is not about epoch ${me.epoch}, nothing to release`);
  $os.exit(EXIT.granted);
}

// ---- serving side ------------------------------------------------------------------------------

function readRole(): Role {
  const t = readText(`${$app.dataDir()}/.pb-ops-lease/role`);
  if (!t) return { role: "none", reason: "" };
  const [role, ...rest] = t.split("\t");
  const r = role === "standby" || role === "fenced" || role === "primary" ? role : "none";
  return { role: r, reason: rest.join("\t").trim() };
}

/** Serve-time set-up: the role as the entrypoint left it. */
export function leaseServeSetup(): void {
  const r = readRole();
  $app.store().set(STORE.leaseRole, r.role === "none" || r.role === "primary" ? "" : JSON.stringify(r));
  if (r.role === "standby") console.error(`pb-ops lease: STANDBY: ${r.reason}. Writes answer 503 and /api/ops/health answers 503.`);
}

/** backup-status: the lease as this container sees it, with the standbys (foreign claimants) seen. */
export function leaseReport(): Record<string, unknown> | null {
  if (!getConfig().lease.enabled) return null;
  const dir = `${$app.dataDir()}/.pb-ops-lease`;
  const role = readRole();
  if (role.role === "none") return null;
  let standbys: unknown[] = [];
  try {
    standbys = JSON.parse(readText(`${dir}/standbys.json`) ?? "[]") as unknown[];
  } catch {
    // written by the agent; a half-written file is read again next time
  }
  const holder = readText(`${dir}/holder.json`);
  return {
    role: role.role,
    reason: role.reason,
    epoch: holder ? (JSON.parse(holder) as HolderFile).epoch : null,
    foreignClaimants: standbys,
  };
}

/** POST /api/ops/lease/refresh: loopback only, with the per-boot secret; re-reads the role file. */
export function leaseRefresh(e: core.RequestEvent): void {
  const secret = readText(`${$app.dataDir()}/.pb-ops-lease/secret`)?.trim() ?? "";
  const given = e.request!.header.get("x-pb-ops-lease-secret");
  const ip = e.remoteIP();
  const loopback = ip === "127.0.0.1" || ip === "::1" || ip === "0000:0000:0000:0000:0000:0000:0000:0001";
  if (!secret || !loopback || !constantTimeEqual(given, secret)) {
    e.json(404, { status: 404, message: "The requested resource wasn't found.", data: {} });
    return;
  }
  leaseServeSetup();
  e.noContent(204);
}
