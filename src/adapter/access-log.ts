// Request id (pre stage) and access line (post stage) of the pbOps pipeline.
import { acceptRequestId, REQUEST_ID_HEADER, requestIdMaker } from "../log/request-id";
import { accessLevel, keepAccessLine, messageOfError, statusOfError } from "../log/access";
import { mentionsSecret } from "../admin/paths";
import { configSection } from "./config";
import { emitAccess, getRedactor } from "./log";
import { EVENT } from "./keys";
import type { PostStage, PreStage } from "./stage";
import { clientIp } from "./request-state";
import { memoGet, memoSet, newMemo } from "../memo/second-use";

let nextRequestId: (() => string) | undefined;

export const assignRequestId: PreStage = (_e, state) => {
  const incoming = state.getRequestHeader(REQUEST_ID_HEADER);
  let id = incoming ? acceptRequestId(incoming) : undefined;
  if (!id) {
    if (!nextRequestId) nextRequestId = requestIdMaker($security.randomString(12));
    id = nextRequestId();
  }
  state.requestId = id;
  // Handlers read it back from the response header (see log.forRequest).
  state.setResponseHeader(REQUEST_ID_HEADER, id);
};

export const writeAccessLine: PostStage = (e, state, error) => {
  try {
    const status = error !== undefined && !e.written() ? statusOfError(error) : e.status() || 200;
    const sample = configSection("log").sample;
    if (sample < 1 && !keepAccessLine(status, sample, Math.random())) return;
    // The URL as it is after the handler, not state.path: the admin gate replaces a secret path in
    // it. scrubUrlForLogs, the post stage just before this one, has read it already.
    let uri = state.logUri;
    if (uri === undefined) {
      const url = e.request!.url!;
      const query = url.rawQuery;
      uri = query ? `${url.path}?${query}` : url.path;
    }
    const auth = e.auth;
    // A route's own rateLimit() (another VM) leaves its outcome on the event; it is the later,
    // more specific decision, so it wins over the middleware's.
    const routeLimit = e.get(EVENT.routeRateLimit) as string | null | undefined;
    if (routeLimit) {
      const sp = routeLimit.indexOf(" ");
      state.fields.rateLimit = routeLimit.slice(0, sp);
      state.fields.rateLimitRule = routeLimit.slice(sp + 1);
    }
    const written = emitAccess(accessLevel(status), {
      method: state.method,
      uri,
      status,
      durationMs: Date.now() - state.startedAtMs,
      ip: clientIp(e, state),
      requestId: state.requestId,
      userAgent: state.getRequestHeader("User-Agent"),
      authCollection: auth ? auth.collection().name : undefined,
      authId: auth ? auth.id : undefined,
      errorMessage: error !== undefined ? messageOfError(error) : undefined,
      extra: state.fields,
    });
    // PB_LOG_DB_REQUESTS=errors: this request is on stdout now; PocketBase need not write it to its
    // log database too (its activity logger runs after this, outside the whole chain).
    if (written && status < 400 && configSection("log").dbRequests === "errors") e.set(EVENT.skipSuccessActivityLog, true);
  } catch (err) {
    console.error(`pb-ops: access log failed: ${err}`);
  }
};

/**
 * The query as logs may show it: sensitive values (tokens, OAuth2 `code` and `state`, PB_LOG_REDACT
 * names) redacted, and a query that mentions the secret admin path replaced whole.
 */
export function scrubbedQuery(rawQuery: string): string {
  if (rawQuery === "") return rawQuery;
  // The same query text always scrubs the same way (the secret and PB_LOG_REDACT are fixed per
  // process): remembered per VM, bounded, since folding and decoding it cost ~10 us in goja.
  const known = memoGet(scrubMemo, rawQuery);
  if (known !== undefined) return known;
  const secret = configSection("admin").path;
  const out = secret !== null && mentionsSecret(rawQuery, secret) ? "[admin-path]" : getRedactor().query(rawQuery);
  if (rawQuery.length <= SCRUB_MEMO_KEY_MAX) memoSet(scrubMemo, rawQuery, out);
  return out;
}

const SCRUB_MEMO_MAX = 512;
const SCRUB_MEMO_KEY_MAX = 512;
// Its Map is made on the second query a VM sees (src/memo/second-use.ts): a throwaway VM serves one.
const scrubMemo = /* @__PURE__ */ newMemo<string>(SCRUB_MEMO_MAX);

/**
 * Post stage, before the access line: after the handler has read the query, rewrite it in the
 * request's URL to its scrubbed form, so neither pb-ops's access line nor PocketBase's request log
 * (which reads the URL after the whole chain) carries OAuth2 codes, tokens or the admin path.
 */
export const scrubUrlForLogs: PostStage = (e, state) => {
  try {
    const url = e.request!.url!;
    const raw = url.rawQuery;
    // The access line (the next post stage) takes the URL from here: no second read from Go.
    const path = url.path;
    if (raw === "") {
      state.logUri = path;
      return;
    }
    const scrubbed = scrubbedQuery(raw);
    if (scrubbed !== raw) url.rawQuery = scrubbed;
    state.logUri = scrubbed ? `${path}?${scrubbed}` : path;
  } catch (err) {
    console.error(`pb-ops: url scrub failed: ${err}`);
  }
};
