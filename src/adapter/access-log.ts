// Request id (pre stage) and access line (post stage) of the pbOps pipeline.
import { acceptRequestId } from "../log/request-id";
import { accessFields, accessLevel, keepAccessLine, messageOfError, statusOfError } from "../log/access";
import { getConfig } from "./config";
import { emit, getRedactor, REQUEST_ID_KEY } from "./log";
import type { PostStage, PreStage } from "./pipeline";

export const REQUEST_ID_HEADER = "X-Request-Id";

export const assignRequestId: PreStage = (e, state) => {
  const id = acceptRequestId(e.request!.header.get(REQUEST_ID_HEADER)) ?? $security.randomString(20);
  state.requestId = id;
  e.response.header().set(REQUEST_ID_HEADER, id);
  e.set(REQUEST_ID_KEY, id);
};

export const writeAccessLine: PostStage = (e, state, error) => {
  try {
    const status = error !== undefined && !e.written() ? statusOfError(error) : e.status() || 200;
    if (!keepAccessLine(status, getConfig().log.sample, Math.random())) return;
    const req = e.request!;
    const auth = e.auth;
    const fields = accessFields(
      {
        method: req.method,
        uri: req.url!.rawQuery ? `${req.url!.path}?${req.url!.rawQuery}` : req.url!.path,
        status,
        durationMs: Date.now() - state.startedAtMs,
        ip: e.realIP(),
        requestId: state.requestId,
        userAgent: req.header.get("User-Agent"),
        authCollection: auth ? auth.collection().name : undefined,
        authId: auth ? auth.id : undefined,
        errorMessage: error !== undefined ? messageOfError(error) : undefined,
        extra: state.fields,
      },
      getRedactor(),
    );
    emit(accessLevel(status), "request", fields, "access");
  } catch (err) {
    console.error(`pb-ops: access log failed: ${err}`);
  }
};
