// The one early request middleware (registered at priority -1050, before PocketBase's CORS,
// activity logger and rate limiter). It runs the enabled stages in order, then the rest of the
// chain, then the post stages. Stages are chosen once per VM from the config, so a disabled
// feature costs nothing per request.
import type { Config } from "../config/schema";
import { getConfig } from "./config";

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
function buildStages(_config: Config): Stages {
  const pre: PreStage[] = [];
  const post: PostStage[] = [];
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
