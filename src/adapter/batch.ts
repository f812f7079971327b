// onBatchRequest: sub-requests of /api/batch do not pass through router middlewares, so the admin
// gate meets each one here (issue 15); the rate limiter meets them in the pipeline, on the
// /api/batch request (src/adapter/ratelimit.ts). Registered only when the gate runs.
import { adminSurfaceGuarded, gateBatch } from "./admin";

/** Registration: whether the onBatchRequest hook is needed at all (no VM per batch otherwise). */
export function batchHookNeeded(): boolean {
  return adminSurfaceGuarded();
}

export function onBatchRequest(e: core.BatchRequestEvent): void {
  gateBatch(e);
  e.next();
}
