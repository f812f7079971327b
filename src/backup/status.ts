// The backup-status decision: plain inputs in, report out. Rules (docs/backup.md):
//   unconfigured  no replica configured, or no S3 keys to read it with
//   failing       bad replica config; S3 unreachable, refusing the keys or erroring; replica empty
//                 or not restorable; Litestream's metrics endpoint down; a local write has been off
//                 the replica for longer than PB_BACKUP_MAX_LAG
//   degraded      none of the above, but Litestream's sync error count rose since the last check,
//                 or data.db + WAL use more than PB_BACKUP_DISK_WARN of PB_BACKUP_DISK_LIMIT,
//                 or a replica is configured but uploaded files sit on the local disk (files_local)
//   ok            otherwise
// HTTP 200 for ok and degraded, 503 for failing and unconfigured (uptime monitors alert on 503).
import type { CheckResult } from "./custom";
import type { LitestreamMetrics } from "./metrics";
import type { LocalLitestream } from "./local";
import type { RemoteSummary } from "./remote";
import type { ReplicaConfig } from "./replica";

type Status = "ok" | "degraded" | "failing" | "unconfigured";

/** Every reason a report can give (docs/deploy.md has a runbook row for each). */
export const REASON_CODES = [
  "replica_unconfigured",
  "credentials_missing",
  "replica_config_invalid",
  "s3_unreachable",
  "s3_credentials_refused",
  "s3_error",
  "replica_empty",
  "replica_not_restorable",
  "replica_lagging",
  "litestream_down",
  "litestream_sync_errors",
  "disk_high",
  "custom_check",
  "files_local",
] as const;
type ReasonCode = (typeof REASON_CODES)[number];

interface Reason {
  code: ReasonCode;
  severity: "unconfigured" | "failing" | "degraded";
  message: string;
}

export type RemoteRead =
  | { ok: true; summary: RemoteSummary; listedAtMs: number; cached: boolean; client?: string }
  | { ok: false; kind: "unreachable" | "credentials" | "error"; detail: string; listedAtMs: number; cached: boolean; client?: string };

export type MetricsRead =
  | { state: "off" }
  | { state: "ok"; metrics: LitestreamMetrics }
  | { state: "unreachable"; detail: string }
  | { state: "not_litestream"; detail: string };

/** What the replica must catch up to: the newest local write seen unreplicated, first seen at sinceMs. */
export interface Pending {
  sinceMs: number;
  writeMs: number | null;
  txid: number | null;
  generation: string | null;
  walIndex: number | null;
}

interface Rules {
  maxLagMs: number;
  diskLimitBytes: number;
  diskWarnShare: number;
}

export interface StatusInput {
  nowMs: number;
  rules: Rules;
  replica: ReplicaConfig;
  /** null when S3 was not read (unconfigured or invalid). */
  remote: RemoteRead | null;
  metrics: MetricsRead;
  local: {
    dbBytes: number | null;
    walBytes: number | null;
    walModMs: number | null;
    litestream: LocalLitestream;
  };
  /** From shared state: the previous check's pending write and sync error count. */
  pending: Pending | null;
  lastSyncErrorCount: number | null;
  builtinBackups: { count: number; newest: { key: string; modTimeMs: number; size: number } | null } | { error: string };
  /** App teams' own checks (src/backup/custom.ts); a failing one fails the report. */
  custom?: readonly CheckResult[];
  /** Where PocketBase stores uploaded files, and whether pb_data/storage holds any. */
  files?: { storage: "s3" | "local"; localFiles: boolean };
}

export interface StatusOutput {
  status: Status;
  httpStatus: 200 | 503;
  body: BackupStatusBody;
  /** To store for the next check. */
  pending: Pending | null;
  syncErrorCount: number | null;
}

const SECOND = 1000;
const floorSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;
const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : Math.round(ms / 100) / 10);

/** Has the replica reached this marker? S3 LastModified has whole seconds, so writes are compared at that resolution. */
function reached(p: Omit<Pending, "sinceMs">, remote: RemoteSummary): boolean {
  if (p.writeMs !== null && (!remote.newest || floorSecond(p.writeMs) > remote.newest.modTimeMs)) return false;
  if (p.txid !== null && (remote.v05?.maxTXID ?? 0) < p.txid) return false;
  if (p.generation !== null) {
    if (remote.v03?.generation !== p.generation) return false;
    if (p.walIndex !== null && (remote.v03.walIndex ?? -1) < p.walIndex) return false;
  }
  return true;
}

/**
 * Lag bookkeeping. The local side is what happened to data.db (WAL modification time, only while
 * the WAL holds frames) and where Litestream says it is (TXID, generation/WAL index); the remote side
 * is the newest replica object and position. When the local side is ahead, the first marker seen
 * ahead is kept until the replica reaches it; its age is the lag. The age is a lower bound
 * (writes may have waited before the first check saw them), so a check never reports a lag that
 * did not happen, and repeated checks (any monitor) see it grow.
 */
function trackLag(input: StatusInput, remote: RemoteSummary, localTXID: number | null): { pending: Pending | null; lagMs: number } {
  const { nowMs, local, pending: prev } = input;
  if (prev && !reached(prev, remote)) return { pending: prev, lagMs: Math.max(0, nowMs - prev.sinceMs) };

  const writeMs = local.walBytes && local.walBytes > 0 && local.walModMs !== null ? local.walModMs : null;
  const gen = local.litestream.layout === "v0.3" ? (local.litestream.generation ?? null) : null;
  const marker = {
    writeMs,
    txid: localTXID,
    generation: gen,
    walIndex: gen !== null ? (local.litestream.walIndex ?? null) : null,
  };
  if (reached(marker, remote)) return { pending: null, lagMs: 0 };
  // Ahead now. Counted from the write time when that is what is ahead, else from now.
  const byTime = writeMs !== null && (!remote.newest || floorSecond(writeMs) > remote.newest.modTimeMs);
  const sinceMs = byTime ? Math.min(writeMs!, nowMs) : nowMs;
  return { pending: { sinceMs, ...marker }, lagMs: Math.max(0, nowMs - sinceMs) };
}

type AddReason = (severity: Reason["severity"], code: ReasonCode, message: string) => void;

/** Whether the replica is configured at all, and readable. */
function configReasons(replica: ReplicaConfig, add: AddReason): void {
  if (replica.kind === "unconfigured") add("unconfigured", "replica_unconfigured", replica.reason);
  else if (replica.kind === "invalid") add("failing", "replica_config_invalid", replica.reason);
  else if (!replica.credentials)
    add("unconfigured", "credentials_missing", "LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY are needed to read the replica");
}

/** Litestream's process, through its metrics: alive, new sync errors, and its newest local TXID. */
function metricsReasons(input: StatusInput, add: AddReason): { syncErrorCount: number | null; localTXID: number | null } {
  const { metrics } = input;
  let syncErrorCount = input.lastSyncErrorCount;
  let localTXID = input.local.litestream.txid ?? null;
  if (metrics.state === "unreachable")
    add("failing", "litestream_down", `Litestream's metrics endpoint does not answer (${metrics.detail})`);
  else if (metrics.state === "not_litestream")
    add("failing", "litestream_down", `the metrics endpoint answers without Litestream metrics (${metrics.detail})`);
  else if (metrics.state === "ok") {
    const m = metrics.metrics;
    if (m.txid !== undefined) localTXID = Math.max(localTXID ?? 0, m.txid);
    const errs = (m.syncErrorCount ?? 0) + (m.replicaErrors ?? 0);
    if (input.lastSyncErrorCount !== null && errs > input.lastSyncErrorCount) {
      add(
        "degraded",
        "litestream_sync_errors",
        `Litestream reported ${errs - input.lastSyncErrorCount} new sync/replica error(s) since the last check`,
      );
    }
    syncErrorCount = errs;
  }
  return { syncErrorCount, localTXID };
}

/** The replica as listed: reachable, holds Litestream objects, restorable, caught up. */
function replicaReasons(input: StatusInput, localTXID: number | null, add: AddReason): { pending: Pending | null; lagMs: number | null } {
  const { remote, rules } = input;
  if (remote && !remote.ok) {
    if (remote.kind === "unreachable") add("failing", "s3_unreachable", `S3 endpoint unreachable (${remote.detail})`);
    else if (remote.kind === "credentials") add("failing", "s3_credentials_refused", `S3 refused the credentials (${remote.detail})`);
    else add("failing", "s3_error", `S3 listing failed (${remote.detail})`);
    return { pending: input.pending, lagMs: null };
  }
  if (!remote) return { pending: input.pending, lagMs: null };
  const s = remote.summary;
  if (s.layout === "empty" || s.layout === "unknown") {
    add(
      "failing",
      "replica_empty",
      s.layout === "empty"
        ? "no objects under the replica path"
        : `no Litestream objects under the replica path (${s.foreign} other objects)`,
    );
    return { pending: input.pending, lagMs: null };
  }
  if (s.v05 && !s.v05.restorable)
    add(
      "failing",
      "replica_not_restorable",
      `LTX files cover TXID 1..${s.v05.contiguousToTXID} without a hole, newest is ${s.v05.maxTXID}`,
    );
  if (s.v03 && !s.v03.restorable) add("failing", "replica_not_restorable", s.v03.problem ?? "not restorable");
  const t = trackLag(input, s, localTXID);
  if (t.lagMs > rules.maxLagMs)
    add("failing", "replica_lagging", `a local write has been off the replica for ${secs(t.lagMs)}s (allowed ${secs(rules.maxLagMs)}s)`);
  return t;
}

/** This container: disk share, uploaded files outside the replica, app teams' own checks. Returns the disk share. */
function localReasons(input: StatusInput, add: AddReason): number {
  const { local, rules, replica } = input;
  const share = ((local.dbBytes ?? 0) + (local.walBytes ?? 0)) / rules.diskLimitBytes;
  if (share > rules.diskWarnShare)
    add("degraded", "disk_high", `data.db + WAL use ${(share * 100).toFixed(1)}% of ${rules.diskLimitBytes} bytes`);
  // Uploaded files: Litestream copies data.db only, so with files on the ephemeral disk a restore
  // brings back records whose files are gone. Said once there are files (pb_data/storage is only
  // created by the first upload), so an app that stores none is not degraded for it.
  if (replica.kind !== "unconfigured" && input.files?.storage === "local" && input.files.localFiles) {
    add(
      "degraded",
      "files_local",
      "uploaded files are on the local disk (pb_data/storage), which Litestream does not replicate: set PB_S3_* to store them on S3",
    );
  }
  for (const c of input.custom ?? []) {
    if (c.status !== "ok") add(c.status, "custom_check", `${c.name}: ${c.message || c.status}`);
  }
  return share;
}

function statusOf(reasons: readonly Reason[]): Status {
  if (reasons.some((r) => r.severity === "unconfigured")) return "unconfigured";
  if (reasons.some((r) => r.severity === "failing")) return "failing";
  return reasons.length ? "degraded" : "ok";
}

export function decideStatus(input: StatusInput): StatusOutput {
  const reasons: Reason[] = [];
  const add: AddReason = (severity, code, message) => reasons.push({ code, severity, message });
  configReasons(input.replica, add);
  const { syncErrorCount, localTXID } = metricsReasons(input, add);
  const { pending, lagMs } = replicaReasons(input, localTXID, add);
  const diskShare = localReasons(input, add);
  const status = statusOf(reasons);
  const body = statusBody(input, { status, reasons, localTXID, pending, lagMs, diskShare });
  return { status, httpStatus: status === "ok" || status === "degraded" ? 200 : 503, body, pending, syncErrorCount };
}

const isoOf = (ms: number) => new Date(ms).toISOString();

function replicaBody(replica: ReplicaConfig) {
  if (replica.kind === "ok")
    return {
      url: replica.target.display,
      source: replica.source,
      credentials: replica.credentials ? ("set" as const) : ("missing" as const),
    };
  return { url: replica.kind === "invalid" ? (replica.display ?? null) : null };
}

function litestreamBody(metrics: MetricsRead) {
  if (metrics.state === "ok") return { state: "up" as const, ...metrics.metrics };
  if (metrics.state === "off") return { state: "not_checked" as const };
  return { state: "down" as const, detail: metrics.detail };
}

function remoteBody(remote: RemoteRead | null, nowMs: number) {
  if (!remote) return { state: "not_checked" as const };
  const listed = { listedAt: isoOf(remote.listedAtMs), cached: remote.cached, client: remote.client ?? null };
  if (!remote.ok) return { state: remote.kind, detail: remote.detail, ...listed };
  const s = remote.summary;
  return {
    state: "ok" as const,
    layout: s.layout,
    objects: s.objects,
    bytes: s.bytes,
    newestObject: s.newest
      ? { key: s.newest.key, modifiedAt: isoOf(s.newest.modTimeMs), ageSeconds: secs(nowMs - s.newest.modTimeMs) }
      : null,
    ...(s.v05 ? { txid: s.v05.maxTXID, levels: s.v05.levels, restorable: s.v05.restorable } : {}),
    ...(s.v03
      ? {
          generation: s.v03.generation,
          generations: s.v03.generations,
          snapshots: s.v03.snapshots,
          walIndex: s.v03.walIndex,
          walOffset: s.v03.walOffset,
          restorable: s.v03.restorable,
        }
      : {}),
    ...listed,
  };
}

function builtinBackupsBody(b: StatusInput["builtinBackups"], nowMs: number) {
  if ("error" in b) return { error: b.error };
  const n = b.newest;
  return {
    count: b.count,
    newest: n ? { key: n.key, size: n.size, modifiedAt: isoOf(n.modTimeMs), ageSeconds: secs(nowMs - n.modTimeMs) } : null,
  };
}

interface Decided {
  status: Status;
  reasons: Reason[];
  localTXID: number | null;
  pending: Pending | null;
  lagMs: number | null;
  diskShare: number;
}

/** The JSON body of GET /api/ops/backup-status (the adapter adds access, lease and restoreDrill). */
function statusBody(input: StatusInput, d: Decided) {
  const { nowMs, rules, local, remote } = input;
  const s = remote?.ok ? remote.summary : null;
  return {
    status: d.status,
    reasons: d.reasons,
    checkedAt: isoOf(nowMs),
    maxLagSeconds: secs(rules.maxLagMs),
    replica: replicaBody(input.replica),
    local: {
      dbBytes: local.dbBytes,
      walBytes: local.walBytes,
      lastWriteAt: local.walModMs !== null && (local.walBytes ?? 0) > 0 ? isoOf(local.walModMs) : null,
      diskLimitBytes: rules.diskLimitBytes,
      diskShare: Math.round(d.diskShare * 10000) / 10000,
      litestream: local.litestream,
      txid: d.localTXID,
    },
    litestream: litestreamBody(input.metrics),
    remote: remoteBody(remote, nowMs),
    lag: {
      seconds: secs(d.lagMs),
      pendingSince: d.pending ? isoOf(d.pending.sinceMs) : null,
      txidBehind: s?.v05 && d.localTXID !== null ? Math.max(0, d.localTXID - s.v05.maxTXID) : null,
    },
    builtinBackups: builtinBackupsBody(input.builtinBackups, nowMs),
    ...(input.custom?.length ? { custom: input.custom } : {}),
    ...(input.files ? { files: input.files } : {}),
  };
}

type BackupStatusBody = ReturnType<typeof statusBody>;
