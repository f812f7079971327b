// GET /api/ops/backup-status: gathers the inputs (config, Litestream's metrics, the replica listed
// through S3, data.db on disk, built-in backups, shared state) and answers with src/backup/status.ts.
//
// Time bounds: every outside call has PB_BACKUP_TIMEOUT. $http.send takes a timeout; PocketBase's
// $filesystem.s3 does not (it uses Go's http.DefaultClient and a background context), so a HEAD
// probe with the timeout goes first and a dead or silent endpoint is reported without listing.
// Listings are cached in $app.store() for PB_BACKUP_CACHE_TTL and refreshed by one VM at a time.
import { resolveMetricsUrl } from "../backup/config";
import { litestreamMetrics, parsePrometheus } from "../backup/metrics";
import { summarizeRemote, type RemoteObject } from "../backup/remote";
import type { Credentials, ReplicaTarget } from "../backup/replica";
import { classifyS3Response, classifyThrown, networkClass, parseListObjectsV2, signedListRequest } from "../backup/s3";
import { decideStatus, type MetricsRead, type Pending, type RemoteRead, type StatusInput } from "../backup/status";
import { checkRef, toResult, withCheck, type CheckRef, type CheckResult } from "../backup/custom";
import { getConfig } from "./config";
import { drillReport } from "./drill";
import { leaseReport } from "./lease";
import { logEvent } from "./log";
import { filesOnLocalDisk } from "./storage";
import { STORE } from "./keys";
import { opsAccess } from "./ops-access";
import { dirNames, readLocal, readReplicaConfig } from "./local";

/** At most this many ListObjectsV2 pages (1000 keys each) per listing, to bound the time. */
const MAX_PAGES = 50;

type Env = Record<string, string | undefined>;

function errText(err: unknown): string {
  return String((err as { message?: string })?.message ?? err);
}

function readMetrics(url: string | null, timeoutS: number): MetricsRead {
  if (!url) return { state: "off" };
  let res: { statusCode: number; body: unknown };
  try {
    res = $http.send({ url, method: "GET", timeout: timeoutS }) as unknown as { statusCode: number; body: unknown };
  } catch (err) {
    return { state: "unreachable", detail: networkClass(errText(err)) };
  }
  if (res.statusCode !== 200) return { state: "not_litestream", detail: `HTTP ${res.statusCode}` };
  const m = litestreamMetrics(parsePrometheus(toString(res.body as string)));
  if (!m.isLitestream) return { state: "not_litestream", detail: "no litestream_* series" };
  return { state: "ok", metrics: m };
}

function probeUrl(t: ReplicaTarget): string {
  if (t.forcePathStyle) return `${t.endpoint}/${t.bucket}`;
  return t.endpoint.replace(/^(https?:\/\/)/, `$1${t.bucket}.`) + "/";
}

/** Any HTTP answer proves the endpoint is alive; only network failures and timeouts count. */
function probe(t: ReplicaTarget, timeoutS: number): string | null {
  try {
    $http.send({ url: probeUrl(t), method: "HEAD", timeout: timeoutS });
    return null;
  } catch (err) {
    return networkClass(errText(err));
  }
}

/** A file as PocketBase's filesystem lists it. */
interface ListedFile {
  key: string;
  size: number;
  modTime: { unixMilli(): number };
}

function listWithPocketBase(t: ReplicaTarget, c: Credentials): RemoteObject[] {
  const fsys = ($filesystem as unknown as { s3: (...a: unknown[]) => { list(p: string): ListedFile[]; close(): void } }).s3(
    t.bucket,
    t.region,
    t.endpoint,
    c.accessKeyId,
    c.secretAccessKey,
    t.forcePathStyle,
  );
  try {
    return fsys
      .list(t.prefix)
      .map((o) => ({ key: String(o.key).slice(t.prefix.length), modTimeMs: o.modTime.unixMilli(), size: Number(o.size) }));
  } finally {
    fsys.close();
  }
}

function listWithSigV4(t: ReplicaTarget, c: Credentials, timeoutS: number): RemoteObject[] | { status: number; body: string } {
  const out: RemoteObject[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const req = signedListRequest(t, c, Date.now(), token);
    const res = $http.send({ url: req.url, method: "GET", headers: req.headers, timeout: timeoutS }) as unknown as {
      statusCode: number;
      body: unknown;
    };
    const body = toString(res.body as string);
    if (res.statusCode !== 200) return { status: res.statusCode, body };
    const parsed = parseListObjectsV2(body);
    for (const o of parsed.objects) out.push({ ...o, key: o.key.slice(t.prefix.length) });
    if (!parsed.nextToken) break;
    token = parsed.nextToken;
  }
  return out;
}

/** Lists the replica: PocketBase's own S3 client where the JSVM has it, else a SigV4 request. */
function listRemote(t: ReplicaTarget, c: Credentials, timeoutS: number, nowMs: number): RemoteRead {
  const hasS3 = typeof ($filesystem as unknown as { s3?: unknown }).s3 === "function";
  const client = hasS3 ? "pocketbase" : "sigv4";
  const base = { listedAtMs: nowMs, cached: false, client };
  const down = probe(t, timeoutS);
  if (down) return { ok: false, kind: "unreachable", detail: down, ...base };
  try {
    if (hasS3) return { ok: true, summary: summarizeRemote(listWithPocketBase(t, c)), ...base };
    const res = listWithSigV4(t, c, timeoutS);
    if (!Array.isArray(res)) return { ok: false, ...classifyS3Response(res.status, res.body), ...base };
    return { ok: true, summary: summarizeRemote(res), ...base };
  } catch (err) {
    // Raw S3 error text can echo the access key id; only the classification leaves this function.
    return { ok: false, ...classifyThrown(errText(err)), ...base };
  }
}

interface RemoteCacheEntry {
  atMs: number;
  read: RemoteRead | null;
  refreshingUntilMs: number;
}

// Shared state is stored as JSON text: plain data that reads back the same in every VM (a JS
// object stored in the Go map comes back as a wrapped Go map, not the object that went in).
function getJson<T>(key: string): T | undefined {
  const raw = $app.store().get(key) as string | undefined;
  return typeof raw === "string" ? (JSON.parse(raw) as T) : undefined;
}

function cachedRemote(t: ReplicaTarget, c: Credentials, ttlMs: number, timeoutS: number, nowMs: number): RemoteRead {
  const store = $app.store();
  const entry = getJson<RemoteCacheEntry>(STORE.backupRemote);
  if (entry?.read && nowMs - entry.atMs < ttlMs) return { ...entry.read, cached: true };
  // One VM refreshes; the others keep answering from the previous listing meanwhile.
  let claimed = false;
  const busyMs = (timeoutS * 3 + 1) * 1000;
  store.setFunc(STORE.backupRemote, (raw: string | undefined) => {
    const old = typeof raw === "string" ? (JSON.parse(raw) as RemoteCacheEntry) : undefined;
    if (old && old.refreshingUntilMs > nowMs) return raw;
    claimed = true;
    return JSON.stringify({ atMs: old?.atMs ?? 0, read: old?.read ?? null, refreshingUntilMs: nowMs + busyMs });
  });
  if (!claimed && entry?.read) return { ...entry.read, cached: true };
  const read = listRemote(t, c, timeoutS, nowMs);
  store.set(STORE.backupRemote, JSON.stringify({ atMs: nowMs, read, refreshingUntilMs: 0 }));
  return read;
}

function readBuiltinBackups(): StatusInput["builtinBackups"] {
  try {
    if ($app.settings().backups.s3.enabled) return { error: "stored on S3: not listed here (PocketBase's S3 client has no timeout)" };
    const fsys = $app.newBackupsFilesystem();
    try {
      const files = (fsys.list("") as unknown as ListedFile[]).map((o) => ({
        key: String(o.key),
        size: Number(o.size),
        modTimeMs: o.modTime.unixMilli(),
      }));
      const newest = files.reduce<(typeof files)[number] | null>((a, f) => (!a || f.modTimeMs > a.modTimeMs ? f : a), null);
      return { count: files.length, newest };
    } finally {
      fsys.close();
    }
  } catch {
    return { error: "cannot list" };
  }
}

/** Logs ok -> failing and back (any change of status) as a pb-ops event, once across VMs. */
function logChange(status: string, reasons: { code: string }[]): void {
  let previous: string | undefined;
  $app.store().setFunc(STORE.backupLastStatus, (old: string | undefined) => {
    previous = old;
    return status;
  });
  if (previous === status) return;
  const level = status === "ok" ? "info" : status === "degraded" ? "warn" : "error";
  logEvent(level, "backup status changed", { from: previous ?? "unknown", to: status, reasons: reasons.map((r) => r.code) });
}

/**
 * Registers an app team's check, by module path and export name (see src/backup/custom.ts). Call it
 * at the top level of a hook file; the check runs on every /api/ops/backup-status request and must
 * be fast (it cannot be interrupted).
 */
export function addBackupCheck(name: string, module: string, exportName: string): void {
  const ref = checkRef(name, module, exportName);
  $app
    .store()
    .setFunc(STORE.backupCustomChecks, (old: string | undefined) =>
      JSON.stringify(withCheck(old ? (JSON.parse(old) as CheckRef[]) : [], ref)),
    );
}

function runCustomChecks(): CheckResult[] {
  const raw = $app.store().get(STORE.backupCustomChecks) as string | undefined;
  if (!raw) return [];
  return (JSON.parse(raw) as CheckRef[]).map((c) => {
    try {
      const fn = require(c.module)[c.exportName];
      if (typeof fn !== "function")
        return toResult(c.name, undefined, new Error(`${c.exportName} is not a function exported by ${c.module}`));
      return toResult(c.name, fn());
    } catch (err) {
      return toResult(c.name, undefined, err);
    }
  });
}

function fileStorage(dataDir: string): StatusInput["files"] {
  return { storage: filesOnLocalDisk() ? "local" : "s3", localFiles: dirNames(`${dataDir}/storage`).length > 0 };
}

/**
 * The backup-status report (also read by the audit and the alert tick): lists the replica (cached),
 * updates the lag bookkeeping and logs a change of status.
 */
export function backupReport(nowMs = Date.now()): ReturnType<typeof decideStatus> {
  const cfg = getConfig().backup;
  const env = process.env as Env;
  const replica = readReplicaConfig(cfg.litestreamConfig, env);
  const metricsAt = resolveMetricsUrl(cfg.metricsUrl, env.LITESTREAM_METRICS_ADDR, replica.kind === "ok" ? replica.metricsAddr : undefined);

  const store = $app.store();
  const remote =
    replica.kind === "ok" && replica.credentials
      ? cachedRemote(replica.target, replica.credentials, cfg.cacheTtl, cfg.timeout, nowMs)
      : null;
  const input: StatusInput = {
    nowMs,
    rules: { maxLagMs: cfg.maxLag, diskLimitBytes: cfg.diskLimit, diskWarnShare: cfg.diskWarn },
    replica,
    remote,
    metrics: "error" in metricsAt ? { state: "unreachable", detail: metricsAt.error } : readMetrics(metricsAt.url, cfg.timeout),
    local: readLocal($app.dataDir()),
    pending: getJson<Pending | null>(STORE.backupPending) ?? null,
    lastSyncErrorCount: (store.get(STORE.backupSyncErrors) as number | undefined) ?? null,
    builtinBackups: readBuiltinBackups(),
    custom: runCustomChecks(),
    files: fileStorage($app.dataDir()),
  };
  const out = decideStatus(input);
  store.set(STORE.backupPending, JSON.stringify(out.pending));
  if (out.syncErrorCount !== null) store.set(STORE.backupSyncErrors, out.syncErrorCount);
  logChange(out.status, out.body.reasons);
  return out;
}

export function backupStatus(e: core.RequestEvent): void {
  const who = opsAccess(e);
  if (!who) return;
  const out = backupReport();
  // Deploy lease: a standby or a primary handing over says so (it is not the app's replicating copy).
  const lease = leaseReport();
  // The restore drill (src/adapter/drill.ts): the last result and its age.
  const restoreDrill = drillReport(Date.now());
  e.json(out.httpStatus, { ...out.body, access: who, ...(lease ? { lease } : {}), restoreDrill });
}
