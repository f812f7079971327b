// PB_ALERT_WEBHOOK: a PocketBase cron job (every minute) observes health, backup-status, the audit
// and the restore drill, decides which changes to announce (src/alert/decide.ts) and posts them.
// Deliveries happen only here, never in a request: a slow or dead webhook holds one cron VM for at
// most DELIVERY_TIMEOUT_S per queued alert, and a failed one is retried on the next ticks up to
// PB_ALERT_RETRIES attempts, then dropped with a log line.
import {
  afterDelivery,
  alertBody,
  decideAlerts,
  MAX_QUEUE,
  type Observation,
  type Pending,
  type SourceMemory,
  type Source,
} from "../alert/decide";
import { healthReport } from "../health/report";
import { VERSION } from "../version";
import { auditState } from "./audit";
import { backupReport } from "./backup";
import { startedAtMs } from "./boot";
import { getConfig } from "./config";
import { lastDrill } from "./drill";
import { currentRole } from "./lease";
import { logEvent } from "./log";
import { STORE } from "./keys";

const DELIVERY_TIMEOUT_S = 5;

/** Registered by the hook file only when a webhook is set. */
export function alertsEnabled(): boolean {
  return getConfig().alert.webhook !== null;
}

function observeHealth(): Observation {
  let ok = true;
  let error: string | undefined;
  try {
    $app.db().newQuery("SELECT count(*) FROM _collections LIMIT 1").execute();
  } catch (err) {
    ok = false;
    error = String(err);
  }
  const r = healthReport({
    version: VERSION,
    startedAtMs: startedAtMs(),
    nowMs: Date.now(),
    database: { ok, latencyMs: 0, ...(error ? { error } : {}) },
    lease: currentRole() as { role: "standby" | "fenced"; reason: string } | null,
  });
  const state = String((r.body as { status: string }).status);
  return { source: "health", state, detail: error ? ["database"] : [] };
}

/** Each source on its own: one that throws is reported as `error`, the others still count. */
function observe(source: Source, fn: () => Omit<Observation, "source"> | null): Observation | null {
  try {
    const o = fn();
    return o ? { source, ...o } : null;
  } catch (err) {
    return { source, state: "error", detail: [String(err).slice(0, 200)] };
  }
}

function readJson<T>(key: string, fallback: T): T {
  const raw = $app.store().get(key) as string | undefined;
  return typeof raw === "string" ? (JSON.parse(raw) as T) : fallback;
}

function deliver(url: string, body: Record<string, unknown>): string | null {
  try {
    const res = $http.send({
      url,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      timeout: DELIVERY_TIMEOUT_S,
    }) as unknown as { statusCode: number };
    return res.statusCode >= 200 && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`;
  } catch (err) {
    return String(err).slice(0, 200);
  }
}

export function alertTick(): void {
  const cfg = getConfig().alert;
  if (!cfg.webhook) return;
  // One tick at a time: a slow webhook must not make ticks pile up in more VMs.
  const now = Date.now();
  let mine = false;
  $app.store().setFunc(STORE.alertTickingUntil, (old: number | undefined) => {
    if (typeof old === "number" && old > now) return old;
    mine = true;
    return now + (MAX_QUEUE * DELIVERY_TIMEOUT_S + 60) * 1000;
  });
  if (!mine) return;
  try {
    tick(cfg.webhook, cfg.cooldown, cfg.retries, now);
  } finally {
    $app.store().set(STORE.alertTickingUntil, 0);
  }
}

function tick(url: string, cooldownMs: number, retries: number, nowMs: number): void {
  const observed = [
    observe("health", observeHealth),
    observe("backup", () => {
      const out = backupReport(nowMs);
      return { state: out.status, detail: out.body.reasons.map((r) => r.code) };
    }),
    observe("audit", auditState),
    observe("drill", () => {
      const d = lastDrill();
      return d ? { state: d.ok ? "passed" : "failed", detail: d.ok ? [] : [`${d.step}: ${d.reason}`.slice(0, 300)] } : null;
    }),
  ].filter((o): o is Observation => o !== null);

  const memory = readJson<Partial<Record<Source, SourceMemory>>>(STORE.alertMemory, {});
  const decided = decideAlerts({ nowMs, cooldownMs, memory, observed });
  $app.store().set(STORE.alertMemory, JSON.stringify(decided.memory));

  const settings = $app.settings();
  const app = { name: String(settings.meta.appName), url: String(settings.meta.appURL) };
  const queue = readJson<Pending[]>(STORE.alertQueue, []);
  for (const a of decided.alerts) {
    logEvent("error", `alert: ${a.source} ${a.from} -> ${a.to}`, { source: a.source, from: a.from, to: a.to, detail: a.detail });
    queue.push({ alert: a, attempts: 0 });
  }
  const overflow = queue.splice(0, Math.max(0, queue.length - MAX_QUEUE));
  if (overflow.length) logEvent("error", "alert: queue full, oldest alerts dropped", { dropped: overflow.length });

  const tried = queue.map((item) => {
    const err = deliver(url, alertBody(item.alert, app));
    if (err)
      logEvent("warn", "alert: webhook delivery failed", {
        source: item.alert.source,
        to: item.alert.to,
        attempt: item.attempts + 1,
        of: retries,
        error: err,
      });
    return { item, delivered: err === null };
  });
  const { keep, dropped } = afterDelivery(tried, retries);
  for (const d of dropped)
    logEvent("error", "alert: webhook delivery given up", { source: d.alert.source, to: d.alert.to, attempts: d.attempts });
  $app.store().set(STORE.alertQueue, JSON.stringify(keep));
}
