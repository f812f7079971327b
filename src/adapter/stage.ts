// The shape of a pipeline stage, apart from the pipeline that runs them (src/adapter/pipeline.ts),
// so stage modules and the pipeline import it without importing each other.
import type { RequestState } from "./request-state";

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
