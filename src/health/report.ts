// GET /api/ops/health: is this PocketBase able to serve? Public, so it says what failed, never why
// in detail (error text can hold paths); the adapter logs the detail.
import type { PoolReport } from "../pool/exhaustion";

export interface HealthInput {
  version: string;
  startedAtMs: number;
  nowMs: number;
  /** Result of a real query against data.db. */
  database: { ok: boolean; latencyMs: number };
  /** PocketBase's JS VM pool (src/pool/exhaustion.ts). Informational: never fails the check. */
  pool?: PoolReport;
  /** Deploy lease role when not plain primary: a standby never restored, so its data is not the app's. */
  lease?: { role: "standby" | "fenced"; reason: string } | null;
}

export interface HealthReport {
  httpStatus: 200 | 503;
  body: {
    status: "ok" | "failing" | "standby";
    version: string;
    uptimeSeconds: number;
    checks: { database: { status: "ok" | "failing"; latencyMs: number } };
    /** beyondPool > 0: requests ran in throwaway VMs; raise PB_HOOKS_POOL (docs/performance.md). */
    pool?: PoolReport;
    lease?: { role: string; reason: string };
  };
}

export function healthReport(input: HealthInput): HealthReport {
  const dbStatus = input.database.ok ? "ok" : "failing";
  // A standby answers 503 so no load balancer sends it traffic. A primary handing over stays 200:
  // it still serves reads, and a failing health check could get it restarted mid-handoff.
  const standby = input.lease?.role === "standby";
  const status = standby ? "standby" : dbStatus;
  return {
    httpStatus: status === "ok" ? 200 : 503,
    body: {
      status,
      version: input.version,
      uptimeSeconds: Math.max(0, Math.floor((input.nowMs - input.startedAtMs) / 1000)),
      checks: { database: { status: dbStatus, latencyMs: Math.round(input.database.latencyMs * 100) / 100 } },
      ...(input.pool ? { pool: input.pool } : {}),
      ...(input.lease ? { lease: { role: input.lease.role, reason: input.lease.reason } } : {}),
    },
  };
}
