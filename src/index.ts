// The library bundle PocketBase loads with require(`${__hooks}/pb_ops/index.js`), and pb-ops's
// public API for app teams (typed by dist/index.d.ts; see docs/extending.md). Registration handlers
// in src/hooks/*.pb.ts call exactly one of these per handler.
import { getConfig } from "./adapter/config";
import type { Config } from "./config/schema";

/** @internal Registration only: the admin gate's exact `GET /_` route. */
export { adminBareUnderscore, adminSurfaceGuarded } from "./adapter/admin";
/** @internal Registration only: admin gate and rate limits for /api/batch sub-requests. */
export { batchHookNeeded, onBatchRequest } from "./adapter/batch";
/** @internal Registration only: validates the config at boot and binds serve-time set-up. */
export { boot } from "./adapter/boot";
/** @internal Registration only: the `pocketbase pb-ops lease ...` command and its loopback route. */
export { leaseCommand, leaseRefresh } from "./adapter/lease";
/** @internal Registration only: GET /api/ops/health. */
export { health } from "./adapter/health";
/** @internal Registration only: the pbOps request middleware and its priority. */
export { handleRequest, PIPELINE_PRIORITY } from "./adapter/pipeline";
/** @internal Registration only: the pool warm-up job's id and (never due) schedule. */
export { WARM_CRON, WARM_JOB_ID } from "./adapter/warm";
/** @internal Registration only: GET /api/ops/backup-status. */
export { backupStatus } from "./adapter/backup";
/** @internal Registration only: GET /api/ops/audit. */
export { audit } from "./adapter/audit";
/** @internal Registration only: the restore drill's schedule, cron job, route and verifier command. */
export { drillSchedule, drillCron, restoreDrillRoute, drillCommand } from "./adapter/drill";
/** @internal Registration only: the alert cron job. */
export { alertsEnabled, alertTick } from "./adapter/alert";
/** @internal Registration only: GET /api/ops/metrics, the ops page and its minute sample. */
export { metricsEnabled, metricsRoute, metricsTick, OPS_PAGE_PATH, opsPage, opsPageEnabled } from "./adapter/metrics";
/** Adds your own check to /api/ops/backup-status: `addBackupCheck(name, modulePath, exportName)`. */
export { addBackupCheck } from "./adapter/backup";

/** Structured logger: `log.info("msg", { fields })`, `log.forRequest(e).warn(...)`. */
export { log, type Logger, type Fields } from "./adapter/log";
/** Cookies the pb-ops way (HttpOnly, SameSite, Secure on HTTPS), and the HTTPS test it uses. */
export { isHttps } from "./adapter/headers";
export { setCookie, applyHeaders, type CookieOptions } from "./adapter/response-helpers";
export type { RouteClass } from "./headers/route-class";
/**
 * Token-bucket limit inside your own route: `rateLimit(e, "sms", "3/10m", { key })` throws
 * PocketBase's 429 with Retry-After and RateLimit headers when exceeded (docs/ratelimit.md).
 */
export { rateLimit, type RateLimitOptions, type RateLimitResult } from "./adapter/ratelimit";
/** pb-ops's version (semver). */
export { VERSION } from "./version";
export type { Config } from "./config/schema";

let frozen: Config | undefined;

/** The validated, frozen pb-ops configuration (validated once at boot from the PB_* variables). */
export function config(): Config {
  // Request VMs get it parsed from the shared plan (src/adapter/config.ts): freeze it for callers.
  if (!frozen) frozen = deepFreeze(getConfig());
  return frozen;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
