// The one pb-ops request middleware. It runs the enabled stages in order, then the rest of the
// chain, then the post stages. Stages are chosen once per VM from the config, so a disabled
// feature costs nothing per request.
//
// Priority -1016: after PocketBase's pbLoadAuthToken (-1020), so stages see `e.auth` (superuser
// exemptions, per-user keys, audiences), and before pbSuperuserIPsWhitelist (-1015),
// pbSecurityHeaders (-1010) and the built-in rate limiter (-1000). pbCors (-1041) runs earlier and
// answers preflights itself; a stage that must own CORS unbinds it at serve time.
import type { Config } from "../config/schema";
import { assignRequestId, writeAccessLine } from "./access-log";
import { getConfig } from "./config";
import { headerStages } from "./headers";

export const PIPELINE_PRIORITY = -1016;

/** Per-request state shared by the stages; `fields` end up on the access log line. */
export interface RequestState {
  readonly startedAtMs: number;
  requestId: string;
  fields: Record<string, unknown>;
}

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
  const pre: PreStage[] = [assignRequestId, ...headerStages(config)];
  const post: PostStage[] = [];
  if (config.log.access) post.push(writeAccessLine);
  return { pre, post };
}

let stages: Stages | undefined;

export function handleRequest(e: core.RequestEvent): void {
  if (!stages) stages = buildStages(getConfig());
  const state: RequestState = { startedAtMs: Date.now(), requestId: "", fields: {} };
  let error: unknown;
  try {
    for (const stage of stages.pre) if (stage(e, state) === true) return;
    e.next();
  } catch (err) {
    error = err;
    throw err;
  } finally {
    for (const stage of stages.post) stage(e, state, error);
  }
}
