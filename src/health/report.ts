// GET /api/ops/health: is this PocketBase able to serve? Public, so it says what failed, never why
// in detail (error text can hold paths); the adapter logs the detail.

export interface HealthInput {
  version: string;
  startedAtMs: number;
  nowMs: number;
  /** Result of a real query against data.db. */
  database: { ok: boolean; latencyMs: number };
}

export interface HealthReport {
  httpStatus: 200 | 503;
  body: {
    status: "ok" | "failing";
    version: string;
    uptimeSeconds: number;
    checks: { database: { status: "ok" | "failing"; latencyMs: number } };
  };
}

export function healthReport(input: HealthInput): HealthReport {
  const dbStatus = input.database.ok ? "ok" : "failing";
  const status = dbStatus;
  return {
    httpStatus: status === "ok" ? 200 : 503,
    body: {
      status,
      version: input.version,
      uptimeSeconds: Math.max(0, Math.floor((input.nowMs - input.startedAtMs) / 1000)),
      checks: { database: { status: dbStatus, latencyMs: Math.round(input.database.latencyMs * 100) / 100 } },
    },
  };
}
