// What the pbOps pipeline knows about one request, gathered once: each JSVM->Go property read or
// method lookup costs microseconds in goja, and several stages need the same values.

import type { AccessOutcomes } from "../log/access";

/** Per-request state shared by the stages; `fields` end up on the access log line. */
export interface RequestState {
  readonly startedAtMs: number;
  /** Read once here: every JSVM->Go property read costs microseconds, and several stages need them.
   * The access line reads the URL again on purpose: the admin gate rewrites a secret path. */
  readonly method: string;
  readonly path: string;
  /** The request's headers (Go http.Header) and their `get`, read and bound once per request. */
  readonly requestHeaders: http.Header;
  readonly getRequestHeader: (name: string) => string;
  /** The response's headers and their `set`, read and bound once: `e.response.header()` costs
   * ~5 us per call in goja and each method lookup on a Go object allocates a wrapper. The map is
   * the response's own, so later middlewares and the handler see what the stages set. */
  readonly responseHeaders: http.Header;
  readonly setResponseHeader: (name: string, value: string) => void;
  /** e.realIP(), read by the first stage that needs it (see clientIp). */
  ip?: string;
  requestId: string;
  /** The stages' outcomes, for the access line. */
  fields: AccessOutcomes;
  /** Path and scrubbed query as logs may show them, set by the post stage scrubUrlForLogs. */
  logUri?: string;
  /** Set by a pre stage when this request is pb-ops's own re-dispatch of another request (the
   * admin gate's unknown-path answer): the outer request runs the post stages, this one must not. */
  suppressPost?: boolean;
}

/** The client address PocketBase resolved (trusted-proxy settings applied), read once per request. */
export function clientIp(e: core.RequestEvent, state: RequestState): string {
  if (state.ip === undefined) state.ip = e.realIP();
  return state.ip;
}

export function newRequestState(e: core.RequestEvent): RequestState {
  const req = e.request!;
  const requestHeaders = req.header;
  const responseHeaders = e.response.header();
  return {
    startedAtMs: Date.now(),
    method: req.method,
    path: req.url!.path,
    requestHeaders,
    getRequestHeader: requestHeaders.get,
    responseHeaders,
    setResponseHeader: responseHeaders.set,
    requestId: "",
    fields: {},
  };
}
