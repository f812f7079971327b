// Token-bucket rate limiting in the pbOps pipeline, shared by every VM through $app.store().
//
// Cost per limited request: rule matching on precomputed rules, e.realIP(), and ONE store
// operation: setFunc on the client's shard, which reads, updates and writes the bucket under the
// store's write lock (atomic across VMs; nothing inside the callback touches the store). The shard
// is a Go map reached through goja's live wrapper, so only the one bucket is converted, never the map.
// The take itself is pure (src/ratelimit/store.ts, written against a BucketStore); this file gives
// it $app.store().
import { allowN, type BucketState } from "../ratelimit/bucket";
import { rateLimitHeader, retryAfterSeconds, withMember } from "../ratelimit/headers";
import { addressKeyMemoKey, bucketKey, isExemptIp, shardOf, type Plan } from "../ratelimit/plan";
import { collectionSegmentOf } from "../admin/paths";
import { canonicalSegments, firstMatch, matchMemoKey, parseRateWords, policyHeaderOf, type RateSpec, type Rule } from "../ratelimit/rules";
import { bucketTaker, type BucketStore, type Take } from "../ratelimit/store";
import type { TakeOut } from "../ratelimit/table";
import { rateLimitWarnings } from "../ratelimit/warnings";
import { REQUEST_ID_HEADER } from "../log/request-id";
import { memoGet, memoSet, newMemo } from "../memo/second-use";
import { EVENT, STORE } from "./keys";
import { getConfig, rateLimitPlan } from "./config";
import { logEvent } from "./log";
import type { PreStage } from "./stage";
import { clientIp, type RequestState } from "./request-state";
import { appStore } from "./store";

/** Built once per process at boot (src/config/shared-plan.ts), read from the shared plan. */
function getPlan(): Plan {
  return rateLimitPlan();
}

export function rateLimitEnabled(): boolean {
  return getPlan().enabled;
}

/**
 * Per-VM memo of pure results that repeat from request to request: the rule for a request (keyed by
 * matchMemoKey, built beside the matcher in ratelimit/rules.ts), the bucket key of an address
 * (addressKeyMemoKey, beside bucketKey in ratelimit/plan.ts) and the store shard of a bucket key.
 * Interpreted JS is slow in goja: matching the rules cost ~16 us and hashing a key ~15-25 us per
 * request (measured), a Map lookup one or two. Bounded: cleared when full, so rotating paths or
 * addresses cannot grow it.
 */
const MEMO_MAX = 4096;
// Their Maps are made on a VM's second lookup (src/memo/second-use.ts): a throwaway VM's one request
// would make them, and goja Map's prototype, for nothing.
const ruleMemo = /* @__PURE__ */ newMemo<Rule | null>(MEMO_MAX);
const shardMemo = /* @__PURE__ */ newMemo<string>(MEMO_MAX);

const bucketKeyMemo = /* @__PURE__ */ newMemo<string>(MEMO_MAX);

function shardKeyOf(key: string): string {
  const known = memoGet(shardMemo, key);
  return known !== undefined ? known : memoSet(shardMemo, key, STORE.rateLimitShardPrefix + shardOf(key));
}

/**
 * The bucket store over $app.store(), made on first use: $app.store() is one object for the
 * process's life. `update` is the store's own setFunc (a bound Go method): one call into Go per
 * take and no JS wrapper in between.
 */
function appBucketStore(): BucketStore {
  const s = appStore();
  return { update: s.setFunc };
}

let take: Take | undefined;

/** Takes `cost` tokens; the outcome is valid until the next take. */
function takeFor(p: Plan, key: string, spec: RateSpec, cost: number): TakeOut {
  if (take === undefined) take = bucketTaker(appBucketStore(), Date.now);
  return take(shardKeyOf(key), key, spec.limit, cost, p.shardCap);
}

function isExempt(e: core.RequestEvent, p: Plan, ip: string): boolean {
  return (p.exemptSuperusers && e.hasSuperuserAuth()) || isExemptIp(p, ip);
}

function authRef(e: core.RequestEvent): string | undefined {
  const a = e.auth;
  return a ? `${a.collection().id}:${a.id}` : undefined;
}

// Rejections are logged, but at most a few per second per VM (a flood of 429s must not become a
// flood of log lines); the next logged line says how many were left out.
let logBucket: BucketState | undefined;
let suppressed = 0;
const LOG_LIMIT = { rate: 1, burst: 5 };

// Reaching PB_RATE_LIMIT_MAX_KEYS (many distinct clients, e.g. address rotation) is worth one line a
// minute per VM, not one per sweep.
let evictionLogBucket: BucketState | undefined;
let evictedSinceLog = 0;
const EVICTION_LOG_LIMIT = { rate: 1 / 60, burst: 1 };

function logEviction(evicted: number): void {
  evictedSinceLog += evicted;
  const d = allowN(EVICTION_LOG_LIMIT, evictionLogBucket, Date.now(), 1);
  evictionLogBucket = d.state;
  if (!d.allowed) return;
  logEvent("warn", "rate limit table at PB_RATE_LIMIT_MAX_KEYS: evicting the buckets closest to full", { evicted: evictedSinceLog });
  evictedSinceLog = 0;
}

/** Behind a proxy that PocketBase does not trust, every client shares the proxy's bucket. */
function proxyHint(e: core.RequestEvent): string | undefined {
  if ($app.settings().trustedProxy.headers.length > 0) return undefined;
  for (const h of ["X-Forwarded-For", "Do-Connecting-Ip", "X-Real-Ip", "Cf-Connecting-Ip", "Fly-Client-Ip"]) {
    if (e.request!.header.get(h))
      return `request has ${h} but PocketBase trusts no proxy header, so clients behind that proxy share one bucket; set Settings > Trusted proxy`;
  }
  return undefined;
}

function logRejection(e: core.RequestEvent, state: { requestId: string }, rule: string, key: string, retryAfter: number): void {
  const d = allowN(LOG_LIMIT, logBucket, Date.now(), 1);
  logBucket = d.state;
  if (!d.allowed) {
    suppressed++;
    return;
  }
  const req = e.request!;
  logEvent(
    "warn",
    "rate limited",
    {
      rule,
      key,
      method: req.method,
      path: req.url!.path,
      retryAfterS: retryAfter,
      suppressedBefore: suppressed || undefined,
      hint: proxyHint(e),
    },
    state,
  );
  suppressed = 0;
}

/** A rule, or an app route's own limit shaped like one. */
type Limited = RateSpec & { readonly name: string; readonly policyHeader: string };

/** How a limit is enforced: where its headers go and what it logs. */
interface EnforceOptions {
  /** Add to RateLimit and RateLimit-Policy already set (batch sub-requests, app routes) rather than replace them. */
  readonly merge: boolean;
  /** Tokens this request takes; the limit's own cost when absent. */
  readonly cost?: number;
  /** The bucket key as logs show it (a caller-chosen key is hidden); the key itself when absent. */
  readonly logKey?: string;
  /** Called from an app route (another VM than the pipeline): the outcome travels on the event. */
  readonly inRoute?: boolean;
}

// Constant options for the per-request paths: no object is made per request. Read-only by type, not
// Object.freeze: a freeze at the top level makes goja build Object's statics in every new VM.
const IN_PIPELINE: Readonly<EnforceOptions> = { merge: false };
const IN_BATCH: Readonly<EnforceOptions> = { merge: true };

/**
 * Takes `cost` tokens for `key` and sets the headers; throws PocketBase's 429 (JSON error shape)
 * with Retry-After when the bucket is short. With `merge`, the policy joins the header's list
 * (replacing an earlier member of the same name), so a route's own limit sits next to the
 * middleware's.
 */
function enforce(
  e: core.RequestEvent,
  h: http.Header,
  state: Pick<RequestState, "requestId" | "fields">,
  p: Plan,
  limited: Limited,
  key: string,
  how: EnforceOptions,
): number {
  const name = limited.name;
  const cost = how.cost ?? limited.cost;
  const r = takeFor(p, key, limited, cost);
  const allowed = r.allowed;
  const tokens = r.tokens;
  const evicted = r.evicted;
  const limitValue = rateLimitHeader(name, limited.limit, tokens);
  // One method lookup on the Go header map for both writes.
  const set = h.set;
  if (how.merge) {
    set("RateLimit-Policy", withMember(h.get("RateLimit-Policy"), name, limited.policyHeader));
    set("RateLimit", withMember(h.get("RateLimit"), name, limitValue));
  } else {
    set("RateLimit-Policy", limited.policyHeader);
    set("RateLimit", limitValue);
  }
  state.fields.rateLimit = allowed ? "allowed" : "limited";
  state.fields.rateLimitRule = name;
  if (how.inRoute) e.set(EVENT.routeRateLimit, `${state.fields.rateLimit} ${name}`);
  if (evicted > 0) logEviction(evicted);
  if (!allowed) {
    const retryAfter = retryAfterSeconds(limited.limit, tokens, cost);
    h.set("Retry-After", String(retryAfter));
    logRejection(e, state, name, how.logKey ?? key, retryAfter);
    throw new TooManyRequestsError("Too Many Requests.", {});
  }
  return tokens;
}

/**
 * The canonical name of a `{collection}` path value as PocketBase resolves it (by id, or by name
 * case-insensitively), or undefined when it names no collection. Only called on a memo miss.
 */
function canonicalCollection(collection: string): string | undefined {
  if (collection === "") return undefined;
  try {
    const c = $app.findCachedCollectionByNameOrId(collection);
    return c ? c.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The rule for a request, matched on the route as PocketBase resolves it (see
 * canonicalSegments), memoised per VM by spelling: a spelling always resolves the same way until a
 * collection is renamed, and the memo is bounded.
 */
function ruleFor(p: Plan, method: string, path: string, collection: string, authenticated: boolean): Rule | null {
  const ruleKey = matchMemoKey(method, path, collection, authenticated);
  const known = memoGet(ruleMemo, ruleKey);
  if (known !== undefined) return known;
  const segments = canonicalSegments(path, canonicalCollection(collection));
  return memoSet(ruleMemo, ruleKey, firstMatch(p.rules, { method, segments, authenticated }) ?? null);
}

/** The bucket key of a request under `rule` for this client. */
function keyFor(e: core.RequestEvent, p: Plan, rule: Rule, ip: string, authenticated: boolean): string {
  if (rule.key === "auth" && authenticated) return bucketKey(rule.name, rule.key, ip, authRef(e), p.ipv6Prefix);
  // Address keys repeat from request to request (bucketKey parses IPv6 to apply the prefix).
  const memoKey = addressKeyMemoKey(rule.name, ip);
  const known = memoGet(bucketKeyMemo, memoKey);
  return known !== undefined ? known : memoSet(bucketKeyMemo, memoKey, bucketKey(rule.name, rule.key, ip, undefined, p.ipv6Prefix));
}

/** The pipeline stage (added by buildStages only when the limiter is enabled). */
export const rateLimitStage: PreStage = (e, state) => {
  const p = getPlan();
  const authenticated = e.auth != null;
  // The `{collection}` path value is read after the admin gate, which may have replaced it with
  // an unknown name of the same shape: the request then counts as that unknown collection would.
  // `{collection}` only exists under /api/collections/ and /api/files/, the only places rules
  // resolve it (collectionIndex): elsewhere its read (a call into Go) is skipped.
  const path = state.path;
  const collection = path.startsWith("/api/collections/") || path.startsWith("/api/files/") ? e.request!.pathValue("collection") : "";
  const rule = ruleFor(p, state.method, path, collection, authenticated);
  if (!rule) return;
  const ip = clientIp(e, state);
  // Only a signed-in request can be a superuser's: asking PocketBase costs a call into Go.
  if ((authenticated && p.exemptSuperusers && e.hasSuperuserAuth()) || isExemptIp(p, ip)) {
    state.fields.rateLimit = "exempt";
    return;
  }
  enforce(e, state.responseHeaders, state, p, rule, keyFor(e, p, rule, ip, authenticated), IN_PIPELINE);
};

/**
 * onBatchRequest (src/adapter/batch.ts): sub-requests of /api/batch skip router middlewares, so
 * each one meets the rules of its own route here and takes from the caller's buckets; the first one
 * short refuses the whole batch with the usual 429 before PocketBase runs any of them. Here, not in
 * the pipeline: PocketBase has applied the batch body limit and parsed JSON and multipart bodies
 * alike, and the admin gate has already rewritten refused sub-requests, so they count as the
 * unknown collection they are answered as. The /api/batch request itself met its own rule in the
 * pipeline. A sub-request URL is decoded once for matching (PocketBase's batch router does not
 * decode it: an encoded name there is an unknown collection, counted here as the collection).
 */
export function limitBatch(e: core.BatchRequestEvent, re: core.RequestEvent): void {
  const p = getPlan();
  if (!p.enabled) return;
  const authenticated = e.auth != null;
  const ip = e.realIP();
  if ((authenticated && p.exemptSuperusers && e.hasSuperuserAuth()) || isExemptIp(p, ip)) return;
  const h = re.response.header();
  const batch = e.batch;
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i];
    if (!r) continue;
    const url = String(r.url);
    const c = collectionSegmentOf(url);
    const q = url.search(/[?#]/);
    const path = c ? c.path : q < 0 ? url : url.slice(0, q);
    const rule = ruleFor(p, String(r.method).toUpperCase(), path, c ? c.collection : "", authenticated);
    if (!rule) continue;
    // The batch's own request event: its fields (request, response) are what logs and keys read.
    enforce(re, h, { requestId: h.get(REQUEST_ID_HEADER), fields: {} }, p, rule, keyFor(re, p, rule, ip, authenticated), IN_BATCH);
  }
}

export interface RateLimitOptions {
  /** Tokens this call takes (default: the spec's cost=, else 1). */
  cost?: number;
  /** Bucket key instead of the client address / auth record, e.g. a phone number or an email. */
  key?: string;
}

export interface RateLimitResult {
  /** Whole tokens left after this call. */
  remaining: number;
  /** True when the caller is exempt (superuser or PB_RATE_LIMIT_EXEMPT) and nothing was taken. */
  exempt: boolean;
}

const specCache: Record<string, Limited> = {};
// Made on first use: a top-level regex literal is a RegExp in every new VM (this module is in hot.js).
let appName: RegExp | undefined;

/**
 * For app teams, inside their own routes: takes a token from the named bucket for this client and
 * throws PocketBase's 429 (with Retry-After and RateLimit headers) when it is empty.
 *
 *   rateLimit(e, "sms", "3/10m")                        per client address
 *   rateLimit(e, "export", "10/1h key=auth")            per signed-in record
 *   rateLimit(e, "otp-to", "5/1h", { key: email })      per anything you name
 *
 * `spec` is the rate grammar of PB_RATE_LIMIT (COUNT/WINDOW [burst=N] [cost=N] [key=ip|auth]).
 * Works whether or not the middleware limiter is enabled; exemptions (superusers, PB_RATE_LIMIT_EXEMPT)
 * and PB_RATE_LIMIT_MAX_KEYS apply. A name is one bucket family: use one spec per name.
 */
export function rateLimit(e: core.RequestEvent, name: string, spec: string, options: RateLimitOptions = {}): RateLimitResult {
  if (!(appName ??= /^[a-z0-9][a-z0-9_-]{0,31}$/).test(name))
    throw new Error(`pb-ops rateLimit: bad name ${JSON.stringify(name)} (lower-case letters, digits, - and _)`);
  const cacheKey = `${name} ${spec}`;
  let parsed = specCache[cacheKey];
  if (!parsed) {
    // A bad spec is a bug in the calling route: a 500 whose message names the call and the form
    // (PocketBase sentence-cases an API error's message: capital first letter, final period).
    try {
      const s = parseRateWords(String(spec).trim().split(/\s+/), true);
      if (s.name !== undefined) throw new Error("name= belongs in the first argument");
      parsed = specCache[cacheKey] = { ...s, name, policyHeader: policyHeaderOf(name, s.count, s.windowS) };
    } catch (err) {
      throw new InternalServerError(
        `pb-ops rateLimit(e, ${JSON.stringify(name)}, ${JSON.stringify(spec)}): ${(err as Error).message}; expected COUNT/WINDOW [burst=N] [cost=N] [key=ip|auth], like 3/10m`,
        {},
      );
    }
  }
  const cost = options.cost ?? parsed.cost;
  if (!Number.isInteger(cost) || cost < 0) throw new Error(`pb-ops rateLimit: cost must be a whole number >= 0`);
  const p = getPlan();
  const ip = e.realIP();
  if (isExempt(e, p, ip)) return { remaining: parsed.limit.burst, exempt: true };
  const bucket = `app:${name}`;
  const key =
    options.key !== undefined
      ? `${bucket}|key:${options.key}`
      : bucketKey(bucket, parsed.key, ip, parsed.key === "auth" ? authRef(e) : undefined, p.ipv6Prefix);
  // A caller-chosen key may be personal data (an email, a phone number): logs show it as [custom].
  const logKey = options.key !== undefined ? `${bucket}|key:[custom]` : key;
  const h = e.response.header();
  // The route runs in another VM than the pbOps middleware, so its RequestState is out of reach:
  // the outcome travels on the event (read back by the access line), the request id on the header.
  const tokens = enforce(e, h, { requestId: h.get(REQUEST_ID_HEADER), fields: {} }, p, parsed, key, {
    merge: true,
    cost,
    logKey,
    inRoute: true,
  });
  return { remaining: Math.max(0, Math.floor(tokens)), exempt: false };
}

/** SERVE_SETUPS entry: one WARN line per valid but dangerous rate-limit setting. */
export function rateLimitServeSetup(_e: core.ServeEvent): void {
  for (const msg of rateLimitWarnings(getConfig().rateLimit)) logEvent("warn", `rate limit: ${msg}`);
}
