// Prometheus text exposition (format 0.0.4) of the shared totals and the gauges read at scrape.
import { BUCKETS_MS, METHODS, NB, OFF_429, OFF_BUCKETS, OFF_SUM_MS, requestSlot, ROUTE_CLASSES, STATUS_CLASSES } from "./layout";
import type { Totals } from "./counters";

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface Gauges {
  version: string;
  uptimeSeconds: number;
  dbBytes: number | null;
  walBytes: number | null;
  /** null when backup-status could not be read. */
  backup: { state: string; lagSeconds: number | null; lastUploadMs: number | null } | null;
  drill: { ok: boolean; atMs: number; durationMs: number } | null;
  nowMs: number;
  /** VM starts counted by the pool report (issue 22), when known. */
  vmStarts?: { total: number; beyondPool: number; poolSize: number } | null;
  /** The deploy lease role of this process (PB_LEASE), null when the lease is off. */
  leaseRole?: string | null;
}

const LEASE_ROLES = ["primary", "standby", "fenced", "none"] as const;

const BACKUP_STATES = ["ok", "degraded", "failing", "unconfigured"] as const;

function esc(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN";
}

export function formatMetrics(t: Totals, g: Gauges): string {
  const out: string[] = [];
  const head = (name: string, type: string, help: string) => {
    out.push(`# HELP ${name} ${help}`);
    out.push(`# TYPE ${name} ${type}`);
  };
  const c = t.counts;

  head("pbops_http_requests_total", "counter", "Requests seen by pb-ops, by method, status class and route class.");
  for (let m = 0; m < METHODS.length; m++)
    for (let s = 0; s < STATUS_CLASSES.length; s++)
      for (let r = 0; r < ROUTE_CLASSES.length; r++) {
        const v = c[requestSlot(m, s, r)]!;
        if (v > 0)
          out.push(`pbops_http_requests_total{method="${METHODS[m]}",status="${STATUS_CLASSES[s]}",route="${ROUTE_CLASSES[r]}"} ${v}`);
      }

  head(
    "pbops_http_request_duration_seconds",
    "histogram",
    "Request duration (whole milliseconds) by route class; realtime connections last as long as the client stays.",
  );
  for (let r = 0; r < ROUTE_CLASSES.length; r++) {
    let cum = 0;
    for (let b = 0; b < NB; b++) cum += c[OFF_BUCKETS + r * NB + b]!;
    if (cum === 0) continue;
    const label = `route="${ROUTE_CLASSES[r]}"`;
    let acc = 0;
    for (let b = 0; b < NB; b++) {
      acc += c[OFF_BUCKETS + r * NB + b]!;
      const le = b < BUCKETS_MS.length ? String(BUCKETS_MS[b]! / 1000) : "+Inf";
      out.push(`pbops_http_request_duration_seconds_bucket{${label},le="${le}"} ${acc}`);
    }
    out.push(`pbops_http_request_duration_seconds_sum{${label}} ${c[OFF_SUM_MS + r]! / 1000}`);
    out.push(`pbops_http_request_duration_seconds_count{${label}} ${acc}`);
  }

  head(
    "pbops_http_too_many_requests_total",
    "counter",
    "429 answers by route class (pb-ops's limiter, a route's rateLimit() or PocketBase's own).",
  );
  for (let r = 0; r < ROUTE_CLASSES.length; r++)
    out.push(`pbops_http_too_many_requests_total{route="${ROUTE_CLASSES[r]}"} ${c[OFF_429 + r]}`);

  const keys = Object.keys(t.extra).sort();
  head("pbops_ratelimit_decisions_total", "counter", "Rate-limit decisions (allowed, limited, exempt) by rule.");
  for (const k of keys) {
    const p = k.split("\u0000");
    if (p[0] === "rl") out.push(`pbops_ratelimit_decisions_total{decision="${esc(p[1]!)}",rule="${esc(p[2] ?? "")}"} ${t.extra[k]}`);
  }
  head(
    "pbops_admin_gate_refusals_total",
    "counter",
    "Requests for the admin surface the gate refused (answered as a miss, or 403), by reason.",
  );
  for (const k of keys) {
    const p = k.split("\u0000");
    if (p[0] === "gate") out.push(`pbops_admin_gate_refusals_total{reason="${esc(p[1]!)}"} ${t.extra[k]}`);
  }
  head("pbops_admin_gate_opened_total", "counter", "Visits of PB_ADMIN_PATH that handed out a gate cookie.");
  out.push(`pbops_admin_gate_opened_total ${t.extra.gateopen ?? 0}`);

  head("pbops_backup_state", "gauge", "Backup-status verdict, one series per state (1 = current).");
  if (g.backup) {
    for (const s of BACKUP_STATES) out.push(`pbops_backup_state{state="${s}"} ${g.backup.state === s ? 1 : 0}`);
    if (g.backup.lagSeconds !== null) {
      head("pbops_backup_lag_seconds", "gauge", "How long the oldest local write not yet on the replica has waited (0 when caught up).");
      out.push(`pbops_backup_lag_seconds ${num(g.backup.lagSeconds)}`);
    }
    if (g.backup.lastUploadMs !== null) {
      head("pbops_backup_last_upload_timestamp_seconds", "gauge", "Modification time of the newest object on the replica.");
      out.push(`pbops_backup_last_upload_timestamp_seconds ${g.backup.lastUploadMs / 1000}`);
    }
  }
  if (g.drill) {
    head("pbops_restore_drill_success", "gauge", "The last restore drill passed (1) or failed (0).");
    out.push(`pbops_restore_drill_success ${g.drill.ok ? 1 : 0}`);
    head("pbops_restore_drill_age_seconds", "gauge", "Seconds since the last restore drill.");
    out.push(`pbops_restore_drill_age_seconds ${Math.max(0, Math.round((g.nowMs - g.drill.atMs) / 1000))}`);
    head("pbops_restore_drill_duration_seconds", "gauge", "Duration of the last restore drill.");
    out.push(`pbops_restore_drill_duration_seconds ${g.drill.durationMs / 1000}`);
  }
  if (g.dbBytes !== null) {
    head("pbops_database_bytes", "gauge", "Size of pb_data/data.db.");
    out.push(`pbops_database_bytes ${g.dbBytes}`);
  }
  if (g.walBytes !== null) {
    head("pbops_database_wal_bytes", "gauge", "Size of pb_data/data.db-wal.");
    out.push(`pbops_database_wal_bytes ${g.walBytes}`);
  }
  if (g.vmStarts) {
    head("pbops_vm_starts_total", "counter", "JS VMs that loaded pb-ops's middleware (pooled ones once each, then throwaway ones).");
    out.push(`pbops_vm_starts_total ${g.vmStarts.total}`);
    head(
      "pbops_vm_throwaway_total",
      "counter",
      "VM starts beyond --hooksPool: requests that ran in a throwaway VM because every pooled VM was busy.",
    );
    out.push(`pbops_vm_throwaway_total ${g.vmStarts.beyondPool}`);
    head("pbops_vm_pool_size", "gauge", "PocketBase's --hooksPool.");
    out.push(`pbops_vm_pool_size ${g.vmStarts.poolSize}`);
  }
  if (g.leaseRole) {
    head("pbops_lease_role", "gauge", "Deploy lease role of this process, one series per role (1 = current).");
    for (const r of LEASE_ROLES) out.push(`pbops_lease_role{role="${r}"} ${g.leaseRole === r ? 1 : 0}`);
  }
  head("pbops_uptime_seconds", "gauge", "Seconds since this PocketBase process booted pb-ops.");
  out.push(`pbops_uptime_seconds ${g.uptimeSeconds}`);
  head("pbops_info", "gauge", "pb-ops version (always 1).");
  out.push(`pbops_info{version="${esc(g.version)}"} 1`);
  return out.join("\n") + "\n";
}
