// The one pb-ops request middleware. It runs the enabled stages in order, then the rest of the
// chain, then the post stages. Stages are chosen once per VM from the config, so a disabled
// feature costs nothing per request.
//
// Priority -1016: after PocketBase's pbLoadAuthToken (-1020), so stages see `e.auth` (superuser
// exemptions, per-user keys, audiences), and before pbSuperuserIPsWhitelist (-1015),
// pbSecurityHeaders (-1010) and the built-in rate limiter (-1000). pbCors (-1041) runs earlier and
// answers preflights itself; a stage that must own CORS unbinds it at serve time.
import type { StagePlan } from "../config/shared-plan";
import { adminGate, handBackOutcomes } from "./admin";
import { assignRequestId, scrubUrlForLogs, writeAccessLine } from "./access-log";
import { headerClass, stagePlan } from "./config";
import { rateLimitStage } from "./ratelimit";
import { headerStages } from "./headers";
import { leaseFenceStage } from "./lease-fence";
import { countRequest } from "./metrics-count";
import { newRequestState } from "./request-state";
import { noteVmStart } from "./vm-pool";
import { warnUntrustedProxy } from "./proxy";
import type { PostStage, PreStage, Stages } from "./stage";

// Build-time switches (build.mjs): false in pb_ops/hot-lean.js, the middleware bundle a VM loads when
// neither the admin gate nor the rate limiter is on, so the bundler leaves both stages and their
// modules out of it (~75 functions fewer for every new VM to create; docs/performance.md).
declare const __PB_OPS_HOT_ADMIN__: boolean;
declare const __PB_OPS_HOT_RATELIMIT__: boolean;

/** A stage the plan asks for but this bundle was built without: stop rather than skip it. */
function absent(stage: string): never {
  throw new Error(
    `pb-ops: ${stage} is on, but this middleware bundle was built without it (the hook file loads the bundle named in $app.store() at boot)`,
  );
}

/** The one source of the middleware priority: the hook file reads it at registration. */
export const PIPELINE_PRIORITY = -1016;

/**
 * Each concern adds its stage here, in the order requests should meet them. Which ones run was
 * decided at boot (src/config/shared-plan.ts): a new VM reads a part of ~150 bytes to know.
 */
export function buildStages(plan: StagePlan): Stages {
  // The request id, then the untrusted-proxy check (one comparison on almost every request).
  const pre: PreStage[] = [assignRequestId, warnUntrustedProxy];
  // Right after the request id and before every other stage: a refused admin request either goes
  // on as an unknown collection (the other stages then run as for one) or is re-dispatched as an
  // unknown page, which runs all the other stages once, exactly as for any miss.
  if (plan.adminGate) pre.push(__PB_OPS_HOT_ADMIN__ ? adminGate : absent("the admin gate"));
  // Security headers and CORS before the rate limiter, so its 429s carry them too.
  headerStages(plan, pre);
  if (plan.rateLimit) pre.push(__PB_OPS_HOT_RATELIMIT__ ? rateLimitStage : absent("the rate limiter"));
  // Deploy lease (src/adapter/lease.ts): one store read when not fenced; after the limiter, so a
  // flood of writes to a standby is still limited.
  if (plan.lease) pre.push(leaseFenceStage);
  // Query scrubbing first: the access line and PocketBase's request log read the URL afterwards.
  const post: PostStage[] = [scrubUrlForLogs];
  if (plan.accessLog) post.push(writeAccessLine);
  // Request counters (src/adapter/metrics-count.ts): after the access line, which copies a route's
  // own rate-limit decision into the fields.
  if (plan.metrics) post.push(countRequest);
  return { pre, post };
}

let stages: Stages | undefined;

/**
 * Everything a VM does once before its first request: choose the stages, count the VM (a throwaway
 * one when the pool is exhausted), and parse the plan parts and make the per-VM objects nearly
 * every request needs. False when this VM had done it already. Run ahead of any request by the
 * pool warm-up at serve (src/adapter/warm.ts), else by the VM's first request.
 */
export function prepareVm(): boolean {
  if (stages) return false;
  const plan = stagePlan();
  stages = buildStages(plan);
  noteVmStart();
  if (plan.headers) headerClass("api");
  return true;
}

export function handleRequest(e: core.RequestEvent): void {
  if (!stages) prepareVm();
  const state = newRequestState(e);
  const pre = stages!.pre;
  let error: unknown;
  try {
    // Indexed loops: for-of allocates an iterator and a result object per step in goja (~9 us for 5).
    for (let i = 0; i < pre.length; i++) if (pre[i]!(e, state) === true) return;
    e.next();
  } catch (err) {
    error = err;
    throw err;
  } finally {
    if (!state.suppressPost) {
      const post = stages!.post;
      for (let i = 0; i < post.length; i++) post[i]!(e, state, error);
    } else if (__PB_OPS_HOT_ADMIN__) handBackOutcomes(e, state); // only the admin gate suppresses
  }
}
