// Request id (pre stage) and access line (post stage) of the pbOps pipeline.
import { acceptRequestId, requestIdMaker } from "../log/request-id";
import { accessLevel, keepAccessLine, messageOfError, statusOfError } from "../log/access";
import { getConfig } from "./config";
import { emitAccess } from "./log";
import type { PostStage, PreStage } from "./pipeline";

export const REQUEST_ID_HEADER = "X-Request-Id";

let nextRequestId: (() => string) | undefined;

export const assignRequestId: PreStage = (e, state) => {
  const incoming = e.request!.header.get(REQUEST_ID_HEADER);
  let id = incoming ? acceptRequestId(incoming) : undefined;
  if (!id) {
    if (!nextRequestId) nextRequestId = requestIdMaker($security.randomString(12));
    id = nextRequestId();
  }
  state.requestId = id;
  // Handlers read it back from the response header (see log.forRequest).
  e.response.header().set(REQUEST_ID_HEADER, id);
};

export const writeAccessLine: PostStage = (e, state, error) => {
  try {
    const status = error !== undefined && !e.written() ? statusOfError(error) : e.status() || 200;
    if (!keepAccessLine(status, getConfig().log.sample, Math.random())) return;
    const req = e.request!;
    const url = req.url!;
    const query = url.rawQuery;
    const auth = e.auth;
    emitAccess(accessLevel(status), {
      method: req.method,
      uri: query ? `${url.path}?${query}` : url.path,
      status,
      durationMs: Date.now() - state.startedAtMs,
      ip: e.realIP(),
      requestId: state.requestId,
      userAgent: req.userAgent(),
      authCollection: auth ? auth.collection().name : undefined,
      authId: auth ? auth.id : undefined,
      errorMessage: error !== undefined ? messageOfError(error) : undefined,
      extra: state.fields,
    });
  } catch (err) {
    console.error(`pb-ops: access log failed: ${err}`);
  }
};
