// The one pb-ops request middleware. It runs the enabled stages in order, then the rest of the
// chain, then the post stages. Stages are chosen once per VM from the config, so a disabled
// feature costs nothing per request.
//
// Priority -1016: after PocketBase's pbLoadAuthToken (-1020), so stages see `e.auth` (superuser
// exemptions, per-user keys, audiences), and before pbSuperuserIPsWhitelist (-1015),
// pbSecurityHeaders (-1010) and the built-in rate limiter (-1000). pbCors (-1041) runs earlier and
// answers preflights itself; a stage that must own CORS unbinds it at serve time.
import type { Config } from "../config/schema";
import { adminGate, handBackOutcomes } from "./admin";
import { assignRequestId, scrubUrlForLogs, writeAccessLine } from "./access-log";
import { getConfig, headerClass } from "./config";
import { getRedactor } from "./log";
import { rateLimitEnabled, rateLimitStage } from "./ratelimit";
import { headerStages } from "./headers";
import { leaseFenceStage } from "./lease-fence";
import { countRequest } from "./metrics-count";
import { newRequestState, type RequestState } from "./request-state";
import { noteVmStart } from "./vm-pool";
import { warnUntrustedProxy } from "./proxy";

export type { RequestState } from "./request-state";

export const PIPELINE_PRIORITY = -1016;

/**
 * A pre stage runs before the handler. Returning true means it answered the request itself and the
 * chain stops there; throwing an ApiError (e.g. TooManyRequestsError) answers with that error.
 */
export type PreStage = (e: core.RequestEvent, state: RequestState) => boolean | void;

/** A post stage runs after the handler, also when it threw (`error`). It must not throw. */
export type PostStage = (e: core.RequestEvent, state: RequestState, error: unknown) => void;

export interface Stages {
  pre: PreStage[];
  post: PostStage[];
}

/** Each concern adds its stage here, in the order requests should meet them. */
function buildStages(config: Config): Stages {
  // The request id, then the untrusted-proxy check (one comparison on almost every request).
  const pre: PreStage[] = [assignRequestId, warnUntrustedProxy];
  // Right after the request id and before every other stage: a refused admin request either goes
  // on as an unknown collection (the other stages then run as for one) or is re-dispatched as an
  // unknown page, which runs all the other stages once, exactly as for any miss.
  if (config.admin.path !== null || config.admin.allowIps !== null) pre.push(adminGate);
  // Security headers and CORS before the rate limiter, so its 429s carry them too.
  pre.push(...headerStages(config));
  if (rateLimitEnabled()) pre.push(rateLimitStage);
  // Deploy lease (src/adapter/lease.ts): one store read when not fenced; after the limiter, so a
  // flood of writes to a standby is still limited.
  if (config.lease.enabled) pre.push(leaseFenceStage);
  // Query scrubbing first: the access line and PocketBase's request log read the URL afterwards.
  const post: PostStage[] = [scrubUrlForLogs];
  if (config.log.access) post.push(writeAccessLine);
  // Request counters (src/adapter/metrics-count.ts): after the access line, which copies a route's
  // own rate-limit decision into the fields.
  if (config.metrics.enabled) post.push(countRequest);
  return { pre, post };
}

let stages: Stages | undefined;

/**
 * @internal Performance work only (bench/profile.ts): runs each enabled stage `n` times on a real
 * request and returns the mean microseconds per call, named by stage. Stages have their usual
 * side effects (headers set, tokens taken, lines written).
 */
export function profileStages(e: core.RequestEvent, n: number): Record<string, number> {
  const s = buildStages(getConfig());
  const out: Record<string, number> = {};
  const time = (name: string, fn: () => unknown) => {
    const t0 = Date.now();
    for (let i = 0; i < n; i++) fn();
    out[name] = Math.round(((Date.now() - t0) * 1000) / n * 10) / 10;
  };
  // A fresh state per call without re-reading the request (timed on its own as newRequestState).
  const b = newRequestState(e);
  const fresh = (requestId: string): RequestState => ({
    startedAtMs: b.startedAtMs,
    method: b.method,
    path: b.path,
    requestHeaders: b.requestHeaders,
    getRequestHeader: b.getRequestHeader,
    responseHeaders: b.responseHeaders,
    setResponseHeader: b.setResponseHeader,
    requestId,
    fields: {},
  });
  time("newRequestState", () => newRequestState(e));
  s.pre.forEach((stage, i) => time(`pre${i}:${stage.name || "anonymous"}`, () => stage(e, fresh(""))));
  s.post.forEach((stage, i) => time(`post${i}:${stage.name || "anonymous"}`, () => stage(e, fresh("profile-00000001"), undefined)));
  time("getConfig", () => getConfig());
  // The whole pipeline as a request meets it, minus the handler.
  time("all stages", () => {
    const st = newRequestState(e);
    for (let i = 0; i < s.pre.length; i++) s.pre[i]!(e, st);
    for (let i = 0; i < s.post.length; i++) s.post[i]!(e, st, undefined);
  });
  return out;
}

/**
 * Everything a VM does once before its first request: choose the stages, count the VM (a throwaway
 * one when the pool is exhausted), and parse the plan parts and make the per-VM objects nearly
 * every request needs. False when this VM had done it already. Run ahead of any request by the
 * pool warm-up at serve (src/adapter/warm.ts), else by the VM's first request.
 */
export function prepareVm(): boolean {
  if (stages) return false;
  const s = buildStages(getConfig());
  stages = s;
  noteVmStart();
  if (getConfig().headers.enabled) headerClass("api");
  if (getConfig().log.access) getRedactor();
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
    } else handBackOutcomes(e, state);
  }
}
