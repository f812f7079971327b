// GET /api/ops/metrics (Prometheus text), the ops page GET /_/pb-ops and the minute cron tick that
// samples the charts. The counting itself is src/adapter/metrics-count.ts (hot path).
import { parseTotals } from "../metrics/counters";
import { CONTENT_TYPE, formatMetrics, type Gauges } from "../metrics/exposition";
import { pageCsp, renderPage } from "../metrics/page";
import { emptyRing, takeSample, type Ring } from "../metrics/ring";
import { VERSION } from "../version";
import { hasGateAccess } from "./admin";
import { auditState } from "./audit";
import { backupReport } from "./backup";
import { readLocal } from "./local";
import { startedAtMs } from "./boot";
import { getConfig } from "./config";
import { drillReport, lastDrill } from "./drill";
import { currentRole } from "./lease-fence";
import { logEvent } from "./log";
import { STORE } from "./keys";
import { opsAccess, opsCaller } from "./ops-access";
import { currentPoolReport } from "./vm-pool";

/** The ops page route, one source: the hook file registers it through index.ts. */
export const OPS_PAGE_PATH = "/_/pb-ops";

export function metricsEnabled(): boolean {
  return getConfig().metrics.enabled;
}

/** The page is registered only behind the hidden admin path: without it there is no gate. */
export function opsPageEnabled(): boolean {
  return getConfig().metrics.enabled && getConfig().admin.path !== null;
}

function totals() {
  return parseTotals($app.store().get(STORE.metricsTotals) as string | undefined);
}

type BackupView = { gauges: Gauges["backup"]; card: { status: string; detail: string[] } };

function backupView(): BackupView {
  try {
    const out = backupReport();
    const b = out.body as {
      lag?: { seconds: number | null };
      remote?: { newestObject?: { modifiedAt: string } | null };
      reasons?: { code: string; message?: string }[];
    };
    const newest = b.remote?.newestObject?.modifiedAt;
    return {
      gauges: { state: out.status, lagSeconds: b.lag?.seconds ?? null, lastUploadMs: newest ? Date.parse(newest) : null },
      card: { status: out.status, detail: (b.reasons ?? []).map((r) => r.message ?? r.code) },
    };
  } catch (err) {
    logEvent("warn", "metrics: backup-status could not be read", { error: String(err) });
    return { gauges: null, card: { status: "unknown", detail: [String(err)] } };
  }
}

function poolGauges(): Gauges["vmStarts"] {
  const r = currentPoolReport();
  return { total: r.vmStarts, beyondPool: r.beyondPool, poolSize: r.size };
}

function gauges(nowMs: number, backup: Gauges["backup"]): Gauges {
  const local = readLocal($app.dataDir());
  const d = lastDrill();
  return {
    version: VERSION,
    uptimeSeconds: Math.round((nowMs - startedAtMs()) / 1000),
    dbBytes: local.dbBytes,
    walBytes: local.walBytes,
    backup,
    drill: d ? { ok: d.ok, atMs: d.atMs, durationMs: d.durationMs } : null,
    nowMs,
    vmStarts: poolGauges(),
    leaseRole: currentRole()?.role ?? null,
  };
}

/** GET /api/ops/metrics: superuser or Bearer PB_OPS_TOKEN, like backup-status. */
export function metricsRoute(e: core.RequestEvent): void {
  if (!opsAccess(e)) return;
  const now = Date.now();
  const text = formatMetrics(totals(), gauges(now, backupView().gauges));
  e.response.header().set("Content-Type", CONTENT_TYPE);
  e.string(200, text);
}

function readRing(): Ring {
  const raw = $app.store().get(STORE.metricsRing) as string | undefined;
  return typeof raw === "string" ? (JSON.parse(raw) as Ring) : emptyRing(startedAtMs());
}

/** Cron job, once a minute: one sample of the shared totals into the 24 h ring. */
export function metricsTick(): void {
  try {
    const now = Date.now();
    const lag = backupView().gauges;
    const t = totals();
    // Read before setFunc: its callback runs under the store's write lock, and any store call
    // inside it (startedAtMs() is a getOrSet) deadlocks every VM that touches the store after it.
    const bootMs = startedAtMs();
    $app.store().setFunc(STORE.metricsRing, (old: unknown) => {
      const ring = typeof old === "string" ? (JSON.parse(old) as Ring) : emptyRing(bootMs);
      return JSON.stringify(takeSample(ring, t, now, lag && lag.state !== "unconfigured" ? lag.lagSeconds : null));
    });
  } catch (err) {
    logEvent("warn", "metrics: sample failed", { error: String(err) });
  }
}

function healthCard(): { status: string; detail: string[] } {
  const detail: string[] = [];
  let status = "ok";
  try {
    $app.db().newQuery("SELECT count(*) FROM _collections LIMIT 1").execute();
  } catch (err) {
    status = "failing";
    detail.push(`database: ${String(err)}`);
  }
  const role = currentRole();
  if (role && (role.role === "standby" || role.role === "fenced") && status === "ok") status = "standby";
  if (role) detail.push(`lease: ${role.role} (${role.reason})`);
  return { status, detail };
}

/**
 * GET /_/pb-ops: under /_/, so the admin gate has already refused a stranger exactly as for any
 * /_/ path (a miss). Checked again here: a valid gate cookie, a superuser token or PB_OPS_TOKEN.
 */
export function opsPage(e: core.RequestEvent): void {
  const h = e.response.header();
  h.set("Cache-Control", "no-store");
  const token = opsCaller(e);
  if (!token && !hasGateAccess(e)) throw new NotFoundError();
  const now = Date.now();
  const backup = backupView();
  const audit = (() => {
    try {
      const a = auditState();
      return { status: a.state, detail: a.detail };
    } catch (err) {
      return { status: "unknown", detail: [String(err)] };
    }
  })();
  const dr = drillReport(now) as { state: string; ageSeconds?: number; reason?: string; durationMs?: number };
  const drill = {
    status: dr.state,
    detail: dr.state === "never" ? [] : [`${dr.ageSeconds} s ago, took ${dr.durationMs} ms`, ...(dr.reason ? [dr.reason] : [])],
  };
  const html = renderPage({
    nowMs: now,
    version: VERSION,
    uptimeSeconds: (now - startedAtMs()) / 1000,
    samples: readRing().samples,
    health: healthCard(),
    backup: backup.card,
    audit,
    drill,
    refreshSeconds: 60,
  });
  h.set("Content-Security-Policy", pageCsp());
  h.set("Referrer-Policy", "no-referrer");
  e.html(200, html);
}
