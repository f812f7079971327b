// The production audit (GET /api/ops/audit): the production guide's checklist items that can be
// checked from inside the running app. Each check takes plain values (settings snapshot,
// collection rules, env-derived config, lease state...) and returns one verdict with the reason
// and the fix. docs/operations.md describes every check; keep the two in step.
import type { OpsCaller } from "../backup/auth";

export type Verdict = "pass" | "warn" | "fail";

export interface CheckResult {
  id: string;
  status: Verdict;
  reason: string;
  fix: string;
}

const GiB = 1024 ** 3;
const HOUR = 3_600_000;

const pass = (id: string, reason: string): CheckResult => ({ id, status: "pass", reason, fix: "" });
const warn = (id: string, reason: string, fix: string): CheckResult => ({ id, status: "warn", reason, fix });
const fail = (id: string, reason: string, fix: string): CheckResult => ({ id, status: "fail", reason, fix });

// ---- backups --------------------------------------------------------------------------------------

/** The backup-status verdict (src/backup/status.ts) and its reason codes. */
export function checkReplica(backup: { status: string; reasons: string[] }): CheckResult {
  const id = "replica";
  const codes = backup.reasons.join(", ");
  if (backup.status === "ok") return pass(id, "Litestream's replica is configured, reachable, restorable and caught up");
  // At boot the replica is not listed (it would delay serving by an S3 round trip).
  if (backup.status === "not_checked") return pass(id, "a replica is configured (its state is checked at run time: GET /api/ops/audit)");
  if (backup.status === "unconfigured")
    return fail(
      id,
      `no replica: the disk is ephemeral, a restart or redeploy loses the database (${codes})`,
      "set REPLICA_URL, LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY (docs/backup.md)",
    );
  if (backup.status === "degraded")
    return warn(id, `backup-status is degraded (${codes})`, "see the reasons in GET /api/ops/backup-status (docs/backup.md)");
  return fail(id, `backup-status is failing (${codes})`, "see the reasons in GET /api/ops/backup-status (docs/backup.md)");
}

export interface DrillRecord {
  ok: boolean;
  atMs: number;
  reason: string;
}

/** Age of the last verified restore: a replica nobody restored is a hope, not a backup. */
export function checkRestoreDrill(input: {
  nowMs: number;
  replicaConfigured: boolean;
  scheduleEveryMs: number | null;
  last: DrillRecord | null;
}): CheckResult {
  const id = "restore_drill";
  const { last, nowMs } = input;
  if (!input.replicaConfigured) return warn(id, "no replica, so nothing to restore", "configure the replica first (check `replica`)");
  if (last && !last.ok)
    return fail(
      id,
      `the last restore drill failed ${ageText(nowMs - last.atMs)} ago: ${last.reason}`,
      "read the drill result in backup-status (restoreDrill) and fix the replica; POST /api/ops/restore-drill runs it again",
    );
  // A drill is due once per schedule period; allow two periods (one missed run) before warning.
  const maxAge = input.scheduleEveryMs !== null ? 2 * input.scheduleEveryMs : 48 * HOUR;
  if (!last) {
    if (input.scheduleEveryMs === null)
      return warn(
        id,
        "no restore drill has run and PB_RESTORE_DRILL is off",
        "set PB_RESTORE_DRILL=daily, or run POST /api/ops/restore-drill",
      );
    return warn(
      id,
      "no restore drill has run since this process started",
      "wait for the scheduled drill, or run POST /api/ops/restore-drill",
    );
  }
  if (nowMs - last.atMs > maxAge)
    return warn(
      id,
      `the last verified restore is ${ageText(nowMs - last.atMs)} old`,
      "check PB_RESTORE_DRILL and the drill log lines; POST /api/ops/restore-drill runs it now",
    );
  return pass(id, `last restore drill passed ${ageText(nowMs - last.atMs)} ago`);
}

/** Litestream's snapshot retention: how far back a point-in-time restore can go. */
export function checkRetention(retention: { ms: number | null; source: string }): CheckResult {
  const id = "retention";
  if (retention.ms === null)
    return warn(
      id,
      `retention cannot be read (${retention.source})`,
      "set LITESTREAM_RETENTION (e.g. 168h) as the kit's litestream.yml expects",
    );
  if (retention.ms < 24 * HOUR)
    return warn(
      id,
      `snapshots are kept ${ageText(retention.ms)} (${retention.source}): a mistake noticed the next day cannot be rolled back`,
      "set LITESTREAM_RETENTION to 72h or more (the kit's default is 168h)",
    );
  return pass(id, `snapshots are kept ${ageText(retention.ms)} (${retention.source})`);
}

// ---- HTTP surface ---------------------------------------------------------------------------------

/** Seen on the audit request itself, which came through the same proxy as every other request. */
export function checkHttps(https: boolean): CheckResult {
  const id = "https";
  if (https) return pass(id, "this request reached PocketBase as HTTPS (TLS, or X-Forwarded-Proto from a trusted proxy)");
  return warn(
    id,
    "this request was plain HTTP as PocketBase sees it (no TLS, and no X-Forwarded-Proto: https from a trusted proxy)",
    "serve over HTTPS; behind a proxy set PB_TRUSTED_PROXY_HEADERS so its X-Forwarded-Proto is believed",
  );
}

export function checkCors(cors: { pbOpsOrigins: readonly string[] | null; pocketbaseOrigins: string[] }): CheckResult {
  const id = "cors";
  if (cors.pbOpsOrigins)
    return pass(
      id,
      cors.pbOpsOrigins.length ? `PB_CORS_ORIGINS allows ${cors.pbOpsOrigins.join(", ")}` : "PB_CORS_ORIGINS=none: no cross-origin caller",
    );
  if (cors.pocketbaseOrigins.length === 0 || cors.pocketbaseOrigins.includes("*"))
    return warn(
      id,
      "CORS allows any origin (`serve --origins` defaults to *)",
      "set PB_CORS_ORIGINS to your front end's origins, or `none`",
    );
  return pass(id, `serve --origins ${cors.pocketbaseOrigins.join(",")}`);
}

export function checkAdminPath(adminPathSet: boolean): CheckResult {
  const id = "admin_path";
  if (adminPathSet) return pass(id, "the admin UI and superuser sign-in are hidden behind PB_ADMIN_PATH");
  return warn(id, "the admin UI answers at /_/ for anyone who looks", 'set PB_ADMIN_PATH="/$(openssl rand -hex 10)" (docs/admin.md)');
}

/** Proxy headers arrived (on this request, or seen by pb-ops's untrusted-proxy warning) but are not trusted. */
export function checkTrustedProxy(input: { trustedHeaders: string[]; proxyHeadersSeen: string[] }): CheckResult {
  const id = "trusted_proxy";
  if (input.trustedHeaders.length) return pass(id, `PocketBase reads the client address from ${input.trustedHeaders.join(", ")}`);
  if (input.proxyHeadersSeen.length)
    return fail(
      id,
      `requests carry proxy headers (${input.proxyHeadersSeen.join(", ")}) that PocketBase does not trust: every client shares the proxy's address (rate limits, logs, admin allowlist)`,
      "set PB_TRUSTED_PROXY_HEADERS=do-connecting-ip on App Platform (or your proxy's header)",
    );
  return pass(id, "no proxy headers seen: clients appear to connect directly");
}

// ---- superusers and logging -----------------------------------------------------------------------

export function checkSuperuserMfa(su: { mfa: boolean; otp: boolean }): CheckResult {
  const id = "superuser_mfa";
  if (su.mfa) return pass(id, `superusers need a second factor (MFA on, OTP ${su.otp ? "on" : "off"})`);
  return warn(
    id,
    `superusers sign in with a password alone (MFA off, OTP ${su.otp ? "on" : "off"})`,
    "in the _superusers collection options turn on OTP and MFA (needs SMTP for the codes)",
  );
}

const MAX_SUPERUSERS = 3;

export function checkSuperuserCount(count: number): CheckResult {
  const id = "superuser_count";
  if (count === 0)
    return fail(
      id,
      "no superuser: the first visitor of the installer link becomes one",
      "set PB_SUPERUSER_EMAIL and PB_SUPERUSER_PASSWORD",
    );
  if (count > MAX_SUPERUSERS)
    return warn(
      id,
      `${count} superusers (more than ${MAX_SUPERUSERS}): every one is a full-access account to protect`,
      "remove superusers nobody uses",
    );
  return pass(id, `${count} superuser(s)`);
}

/** PocketBase's logs.minLevel is a slog level: -4 debug, 0 info, 4 warn, 8 error. */
export function checkLogLevel(input: { pbOpsLevel: string; pocketbaseMinLevel: number }): CheckResult {
  const id = "log_level";
  const noisy: string[] = [];
  if (input.pbOpsLevel === "debug") noisy.push("PB_LOG_LEVEL=debug");
  if (input.pocketbaseMinLevel < 0) noisy.push(`PocketBase's log min level ${input.pocketbaseMinLevel} (debug)`);
  if (noisy.length)
    return warn(
      id,
      `debug logging in production (${noisy.join(", ")}): log volume and possibly data in logs`,
      "PB_LOG_LEVEL=info, and Settings > Logs min level info (0)",
    );
  return pass(id, `PB_LOG_LEVEL=${input.pbOpsLevel}, PocketBase's log min level ${input.pocketbaseMinLevel}`);
}

export function checkRateLimit(input: { pbOps: boolean; pocketbase: boolean }): CheckResult {
  const id = "rate_limit";
  if (input.pbOps || input.pocketbase)
    return pass(
      id,
      `rate limiting on (${[input.pbOps ? "pb-ops" : "", input.pocketbase ? "PocketBase's built-in" : ""].filter(Boolean).join(" and ")})`,
    );
  return warn(id, "no rate limiting: sign-in and OTP endpoints can be brute-forced", "set PB_RATE_LIMIT=300/60s (docs/ratelimit.md)");
}

// ---- storage and disk -----------------------------------------------------------------------------

export function checkFileStorage(input: { s3: boolean; fileFields: string[]; localFiles: boolean }): CheckResult {
  const id = "file_storage";
  if (input.s3) return pass(id, "uploaded files are stored on S3");
  if (input.fileFields.length || input.localFiles)
    return warn(
      id,
      `uploaded files go to the ephemeral disk (file fields: ${input.fileFields.join(", ") || "none"}; pb_data/storage ${input.localFiles ? "holds files" : "empty"}): a redeploy loses them and Litestream does not copy them`,
      "set PB_S3_ENDPOINT, PB_S3_BUCKET, PB_S3_ACCESS_KEY, PB_S3_SECRET_KEY",
    );
  return pass(id, "no collection has a file field and pb_data/storage holds no files");
}

export function checkDbSize(input: { usedBytes: number; limitBytes: number; warnShare: number }): CheckResult {
  const id = "db_size";
  const share = input.usedBytes / input.limitBytes;
  const text = `data.db + WAL use ${(share * 100).toFixed(1)}% of ${(input.limitBytes / GiB).toFixed(2)} GiB`;
  const fix =
    "move old data out, VACUUM, or a larger disk (set PB_BACKUP_DISK_LIMIT to it); a restore drill needs twice the database's size free";
  if (share > 0.95) return fail(id, text, fix);
  if (share > input.warnShare) return warn(id, text, fix);
  return pass(id, text);
}

// ---- collections ----------------------------------------------------------------------------------

export interface CollectionFacts {
  name: string;
  type: string;
  system: boolean;
  createRule: string | null;
  updateRule: string | null;
  deleteRule: string | null;
  passwordAuth?: boolean;
  otp?: boolean;
  fileFields?: string[];
}

/** Auth collections other than _superusers that send mail (password reset, verification, OTP). */
export function checkSmtp(input: { smtpEnabled: boolean; collections: CollectionFacts[] }): CheckResult {
  const id = "smtp";
  const mailing = input.collections
    .filter((c) => c.type === "auth" && c.name !== "_superusers" && (c.passwordAuth || c.otp))
    .map((c) => c.name);
  if (input.smtpEnabled) return pass(id, "SMTP is configured");
  if (mailing.length)
    return warn(
      id,
      `auth collections with email flows (${mailing.join(", ")}) but no SMTP: PocketBase's fallback sendmail rarely works in a container`,
      "Settings > Mail settings: an SMTP server (host, port, user, password)",
    );
  return pass(id, "no auth collection sends mail");
}

/** An empty rule (`""`) lets anyone, signed in or not, do it; null is superusers only. */
export function checkOpenRules(collections: CollectionFacts[]): CheckResult {
  const id = "open_rules";
  const open: string[] = [];
  for (const c of collections) {
    const ops = (["create", "update", "delete"] as const).filter((op) => c[`${op}Rule`] === "");
    if (ops.length) open.push(`${c.name} (${ops.join(", ")})`);
  }
  if (open.length)
    return warn(
      id,
      `anyone can write: ${open.join("; ")}`,
      'give each of these rules a condition (e.g. `@request.auth.id != ""`), or leave it empty on purpose (public sign-up)',
    );
  return pass(id, "no collection lets anyone create, update or delete");
}

export function checkBatch(batch: { enabled: boolean; maxRequests: number; timeout: number; maxBodySize: number }): CheckResult {
  const id = "batch";
  if (!batch.enabled) return pass(id, "the batch API is off");
  const problems: string[] = [];
  if (batch.maxRequests > 100) problems.push(`maxRequests ${batch.maxRequests} > 100`);
  if (batch.timeout > 30) problems.push(`timeout ${batch.timeout}s > 30s`);
  if (batch.maxBodySize === 0 || batch.maxBodySize > 128 * 1024 * 1024)
    problems.push(`maxBodySize ${batch.maxBodySize === 0 ? "unlimited" : batch.maxBodySize}`);
  if (problems.length)
    return warn(
      id,
      `batch API limits are loose (${problems.join(", ")}): one request can hold the single writer`,
      "Settings > Application > Batch: maxRequests <= 100, timeout <= 30s",
    );
  return pass(id, `batch API on: maxRequests ${batch.maxRequests}, timeout ${batch.timeout}s`);
}

// ---- one instance ---------------------------------------------------------------------------------

export function checkSingleInstance(input: {
  replicaConfigured: boolean;
  leaseEnabled: boolean;
  role: string | null;
  foreignClaimants: number;
}): CheckResult {
  const id = "single_instance";
  if (!input.replicaConfigured)
    return warn(
      id,
      "no replica, so no deploy lease: nothing stops a second instance from writing its own copy",
      "configure the replica; keep instance_count: 1",
    );
  if (!input.leaseEnabled)
    return warn(
      id,
      "PB_LEASE=off: overlapping deploys both replicate to one REPLICA_URL",
      "PB_LEASE=on (the default) with the kit's entrypoint",
    );
  if (input.role === null || input.role === "none")
    return warn(id, "no deploy lease held: not started by the kit's entrypoint", "run under deploy/entrypoint.sh (docs/deploy.md)");
  if (input.role !== "primary")
    return fail(
      id,
      `this container is ${input.role}: another instance holds the lease`,
      "keep instance_count: 1; a standby only exists during a deploy",
    );
  if (input.foreignClaimants > 0)
    return fail(id, `${input.foreignClaimants} other instance(s) claimed the lease`, "keep instance_count: 1");
  return pass(id, "this container holds the deploy lease; no other claimant seen");
}

// ---- helpers --------------------------------------------------------------------------------------

function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** The overall verdict: the worst one. */
export function overall(results: CheckResult[]): Verdict {
  return results.some((r) => r.status === "fail") ? "fail" : results.some((r) => r.status === "warn") ? "warn" : "pass";
}

/** The JSON body of GET /api/ops/audit. */
export interface AuditBody {
  /** The worst verdict of all checks. */
  status: Verdict;
  /** How many checks gave each verdict. */
  counts: Record<Verdict, number>;
  /** When the checks ran, ISO 8601. */
  checkedAt: string;
  /** How the caller was let in. */
  access: OpsCaller;
  /** Every check that ran, in order. */
  checks: CheckResult[];
}

export function auditBody(checks: CheckResult[], nowMs: number, access: OpsCaller): AuditBody {
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const r of checks) counts[r.status]++;
  return { status: overall(checks), counts, checkedAt: new Date(nowMs).toISOString(), access, checks };
}

/** The one boot line: INFO when all pass, WARN naming each check that does not. */
export function bootSummary(results: CheckResult[]): { level: "info" | "warn"; msg: string; fields: Record<string, unknown> } {
  const bad = results.filter((r) => r.status !== "pass");
  if (!bad.length) return { level: "info", msg: `audit: all ${results.length} checks pass`, fields: { checks: results.length } };
  return {
    level: "warn",
    msg: `audit: ${bad.length} of ${results.length} checks do not pass: ${bad.map((r) => `${r.id} (${r.status})`).join(", ")}`,
    fields: {
      failing: bad.filter((r) => r.status === "fail").map((r) => r.id),
      warning: bad.filter((r) => r.status === "warn").map((r) => r.id),
      detail: "GET /api/ops/audit",
    },
  };
}
