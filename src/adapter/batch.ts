// onBatchRequest: sub-requests of /api/batch do not pass through router middlewares, so the admin
// gate and the rate limiter meet each one here (issue 15), after PocketBase has applied the batch
// body limit and parsed the batch. Registered only when one of them runs (no VM per batch otherwise).
import { adminSurfaceGuarded, batchRequestEvent, gateBatch } from "./admin";
import { limitBatch, rateLimitEnabled } from "./ratelimit";

/** Registration: whether the onBatchRequest hook is needed at all. */
export function batchHookNeeded(): boolean {
  return adminSurfaceGuarded() || rateLimitEnabled();
}

export function onBatchRequest(e: core.BatchRequestEvent): void {
  // The gate first: a refused sub-request then counts as the unknown collection it became.
  gateBatch(e);
  limitBatch(e, batchRequestEvent(e));
  e.next();
}
