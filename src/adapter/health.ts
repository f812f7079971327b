import { healthReport } from "../health/report";
import { VERSION } from "../version";
import { startedAtMs } from "./boot";
import { currentPoolReport } from "./vm-pool";
import { currentRole } from "./lease-fence";

/** Reads a real table so a closed, locked or missing database fails the check (SELECT 1 would not). */
function probeDatabase(): { ok: boolean; latencyMs: number; error?: string } {
  const t0 = Date.now();
  try {
    $app.db().newQuery("SELECT count(*) FROM _collections LIMIT 1").execute();
    return { ok: true, latencyMs: Date.now() - t0 };
  } catch (err) {
    return { ok: false, latencyMs: Date.now() - t0, error: String(err) };
  }
}

export function health(e: core.RequestEvent): void {
  const database = probeDatabase();
  if (database.error) console.error(`pb-ops: health: database check failed: ${database.error}`);
  const report = healthReport({
    version: VERSION,
    startedAtMs: startedAtMs(),
    nowMs: Date.now(),
    database,
    lease: currentRole() as { role: "standby" | "fenced"; reason: string } | null,
    pool: currentPoolReport(),
  });
  e.response.header().set("Cache-Control", "no-store");
  e.json(report.httpStatus, report.body);
}
