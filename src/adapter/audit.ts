// GET /api/ops/audit and the boot summary: gathers the plain values the checks in src/audit/ need
// from $app (settings, collections, superusers), env and pb-ops's config, shared state (the last
// restore drill, proxy headers seen) and, for the endpoint, the audit request itself.
import * as c from "../audit/checks";
import { originsFromArgs, retentionFrom, ruleText } from "../audit/values";
import { KNOWN_PROXY_HEADERS } from "../proxy/settings";
import { backupReport } from "./backup";
import { readReplicaConfig, statFile } from "./local";
import { getConfig } from "./config";
import { drillSchedule, lastDrill } from "./drill";
import { isHttps } from "./headers";
import { currentRole, leaseReport } from "./lease";
import { logEvent } from "./log";
import { rateLimitEnabled } from "./ratelimit";
import { STORE } from "./keys";
import { opsAccess } from "./ops-access";

type Env = Record<string, string | undefined>;

/** The same key src/adapter/proxy.ts sets when it warned about untrusted proxy headers. */

interface AuditContext {
  /** The audit request: HTTPS as PocketBase sees it, and the proxy headers it carries. */
  request?: { https: boolean; proxyHeaders: string[] };
  /** At boot: no S3 listing (it would delay serving), no drill yet, no request. */
  boot?: boolean;
}

/** The fields of a JSVM collection the audit reads (rules are string or null). */
interface CollectionView {
  name: unknown;
  type: unknown;
  system: unknown;
  createRule: unknown;
  updateRule: unknown;
  deleteRule: unknown;
  passwordAuth: { enabled: unknown };
  otp: { enabled: unknown };
  fields: ArrayLike<{ type(): string; name: string }>;
}

function collectionFacts(): c.CollectionFacts[] {
  const list = Array.from($app.findAllCollections() as unknown as ArrayLike<CollectionView>);
  return list.map((col) => {
    const auth = col.type === "auth";
    const files: string[] = [];
    for (const f of Array.from(col.fields)) if (f.type() === "file") files.push(`${col.name}.${f.name}`);
    return {
      name: String(col.name),
      type: String(col.type),
      system: !!col.system,
      createRule: ruleText(col.createRule),
      updateRule: ruleText(col.updateRule),
      deleteRule: ruleText(col.deleteRule),
      passwordAuth: auth ? !!col.passwordAuth.enabled : undefined,
      otp: auth ? !!col.otp.enabled : undefined,
      fileFields: files,
    };
  });
}

function readText(path: string | null): string | null {
  if (!path) return null;
  try {
    return toString($os.readFile(path));
  } catch {
    return null;
  }
}

function fileSize(path: string): number {
  return statFile(path)?.size ?? 0;
}

function hasLocalFiles(): boolean {
  try {
    return ($os.readDir(`${$app.dataDir()}/storage`) as unknown as unknown[]).length > 0;
  } catch {
    return false;
  }
}

function runAudit(ctx: AuditContext): c.CheckResult[] {
  const cfg = getConfig();
  const env = process.env as Env;
  const nowMs = Date.now();
  const settings = $app.settings();
  const collections = collectionFacts();
  const replica = readReplicaConfig(cfg.backup.litestreamConfig, env);
  const replicaConfigured = replica.kind !== "unconfigured";
  const results: c.CheckResult[] = [];

  // Backups.
  if (ctx.boot)
    results.push(
      c.checkReplica(
        replicaConfigured ? { status: "not_checked", reasons: [] } : { status: "unconfigured", reasons: ["replica_unconfigured"] },
      ),
    );
  else {
    const out = backupReport(nowMs);
    results.push(c.checkReplica({ status: out.status, reasons: out.body.reasons.map((r) => r.code) }));
  }
  if (!ctx.boot) {
    const last = lastDrill();
    results.push(
      c.checkRestoreDrill({
        nowMs,
        replicaConfigured,
        scheduleEveryMs: drillSchedule() !== null ? cfg.drill.schedule.everyMs : null,
        last,
      }),
    );
  }
  const yamlPath = env.LITESTREAM_CONFIG?.trim() || cfg.backup.litestreamConfig;
  if (replicaConfigured) results.push(c.checkRetention(retentionFrom({ yaml: readText(yamlPath), yamlPath, env })));

  // HTTP surface.
  if (ctx.request) results.push(c.checkHttps(ctx.request.https));
  results.push(
    c.checkCors({ pbOpsOrigins: cfg.headers.corsOrigins, pocketbaseOrigins: originsFromArgs(Array.from($os.args as unknown as string[])) }),
  );
  results.push(c.checkAdminPath(cfg.admin.path !== null));
  const seen = [...(ctx.request?.proxyHeaders ?? [])];
  if (typeof $app.store().get(STORE.proxyWarnedAt) === "number" && !seen.length) seen.push("seen on earlier requests");
  results.push(
    c.checkTrustedProxy({
      trustedHeaders: Array.from((settings.trustedProxy.headers ?? []) as unknown as string[]),
      proxyHeadersSeen: seen,
    }),
  );

  // Superusers and logging.
  const su = $app.findCollectionByNameOrId("_superusers") as unknown as { mfa: { enabled: boolean }; otp: { enabled: boolean } };
  results.push(c.checkSuperuserMfa({ mfa: !!su.mfa.enabled, otp: !!su.otp.enabled }));
  results.push(c.checkSuperuserCount($app.countRecords("_superusers")));
  results.push(c.checkLogLevel({ pbOpsLevel: cfg.log.level, pocketbaseMinLevel: Number(settings.logs.minLevel) }));
  results.push(c.checkRateLimit({ pbOps: rateLimitEnabled(), pocketbase: !!settings.rateLimits.enabled }));

  // Storage and disk.
  results.push(
    c.checkFileStorage({
      s3: !!settings.s3.enabled,
      fileFields: collections.flatMap((x) => x.fileFields ?? []),
      localFiles: hasLocalFiles(),
    }),
  );
  const used = fileSize(`${$app.dataDir()}/data.db`) + fileSize(`${$app.dataDir()}/data.db-wal`);
  results.push(c.checkDbSize({ usedBytes: used, limitBytes: cfg.backup.diskLimit, warnShare: cfg.backup.diskWarn }));

  // Collections.
  results.push(c.checkSmtp({ smtpEnabled: !!settings.smtp.enabled, collections }));
  results.push(c.checkOpenRules(collections.filter((x) => x.type !== "view")));
  const b = settings.batch;
  results.push(
    c.checkBatch({
      enabled: !!b.enabled,
      maxRequests: Number(b.maxRequests),
      timeout: Number(b.timeout),
      maxBodySize: Number(b.maxBodySize),
    }),
  );

  // One instance.
  const lease = leaseReport();
  const role = (lease?.role as string | undefined) ?? currentRole()?.role ?? null;
  results.push(
    c.checkSingleInstance({
      replicaConfigured,
      leaseEnabled: cfg.lease.enabled,
      role,
      foreignClaimants: Array.isArray(lease?.foreignClaimants) ? (lease!.foreignClaimants as unknown[]).length : 0,
    }),
  );
  return results;
}

/** Short form for the alert tick: the overall verdict and the checks that do not pass. */
export function auditState(): { state: string; detail: string[] } {
  const r = runAudit({});
  return { state: c.overall(r), detail: r.filter((x) => x.status !== "pass").map((x) => `${x.id}:${x.status}`) };
}

/** SERVE_READY: the one boot summary line (INFO all pass, WARN naming what does not). */
export function auditAtServe(): void {
  try {
    const s = c.bootSummary(runAudit({ boot: true }));
    logEvent(s.level, s.msg, { ...s.fields, notAtBoot: ["https", "restore_drill"] });
  } catch (err) {
    logEvent("warn", "audit: could not run at boot", { error: String(err) });
  }
}

export function audit(e: core.RequestEvent): void {
  const who = opsAccess(e);
  if (!who) return;
  const h = e.request!.header;
  const proxyHeaders = KNOWN_PROXY_HEADERS.filter((name) => h.get(name) !== "");
  const checks = runAudit({ request: { https: isHttps(e), proxyHeaders } });
  const body: c.AuditBody = c.auditBody(checks, Date.now(), who);
  e.json(200, body);
}
