// onBatchRequest: sub-requests of /api/batch do not pass through router middlewares, so the admin
// gate and the rate limiter meet each one here (issue 15). Registered only when one of them runs.
import { adminSurfaceGuarded, gateBatch } from "./admin";
import { limitBatch, rateLimitEnabled } from "./ratelimit";

/** Registration: whether the onBatchRequest hook is needed at all (no VM per batch otherwise). */
export function batchHookNeeded(): boolean {
  return adminSurfaceGuarded() || rateLimitEnabled();
}

export function onBatchRequest(e: core.BatchRequestEvent): void {
  // The gate first: a refused sub-request then counts as the unknown collection it became.
  gateBatch(e);
  limitBatch(e);
  e.next();
}
