// Token-bucket rate limiting in the pbOps pipeline, shared by every VM through $app.store().
//
// Cost per limited request: rule matching on precomputed rules, e.realIP(), and ONE store
// operation: setFunc on the client's shard, which reads, updates and writes the bucket under the
// store's write lock (atomic across VMs; nothing inside the callback touches the store). The shard
// is a Go map reached through goja's live wrapper, so only the one bucket is converted, never the map.
import { allowN, type BucketState } from "../ratelimit/bucket";
import { rateLimitHeader, retryAfterSeconds, withMember } from "../ratelimit/headers";
import { bucketKey, isExemptIp, shardOf, type Plan } from "../ratelimit/plan";
import { collectionSegmentOf } from "../admin/paths";
import { canonicalSegments, firstMatch, parseRateWords, policyHeaderOf, type RateSpec, type Rule } from "../ratelimit/rules";
import { shardOrNew, takeInto, type Shard, type TakeOut } from "../ratelimit/table";
import { rateLimitWarnings } from "../ratelimit/warnings";
import { REQUEST_ID_HEADER } from "./access-log";
import { getConfig, rateLimitPlan } from "./config";
import { logEvent } from "./log";
import type { PreStage } from "./pipeline";
import { clientIp, type RequestState } from "./request-state";

const SHARD_KEY_PREFIX = "pbOps.rateLimit.";

/**
 * Event key carrying a route's rateLimit() outcome ("allowed NAME" / "limited NAME") to the pbOps
 * access line, which runs in the middleware's VM (see writeAccessLine).
 */
export const ROUTE_RATE_LIMIT_KEY = "pbOpsRouteRateLimit";

/** Built once per process at boot (src/config/shared-plan.ts), read from the shared plan. */
function getPlan(): Plan {
  return rateLimitPlan();
}

export function rateLimitEnabled(): boolean {
  return getPlan().enabled;
}

/**
 * Per-VM memo of pure results that repeat from request to request: the rule for a method+path and
 * the store shard of a bucket key. Interpreted JS is slow in goja: matching the rules cost ~16 us
 * and hashing a key ~15-25 us per request (measured), a Map lookup one or two. Bounded: cleared
 * when full, so rotating paths or addresses cannot grow it.
 */
const MEMO_MAX = 4096;
const ruleMemo = new Map<string, Rule | null>();
const shardMemo = new Map<string, string>();

const bucketKeyMemo = new Map<string, string>();

/** Stores v under k, clearing the memo first when it is full. */
function remember<V>(m: Map<string, V>, k: string, v: V): V {
  if (m.size >= MEMO_MAX) m.clear();
  m.set(k, v);
  return v;
}

function shardKeyOf(key: string): string {
  const known = shardMemo.get(key);
  return known !== undefined ? known : remember(shardMemo, key, SHARD_KEY_PREFIX + shardOf(key));
}

// The arguments of the one take in flight, for a callback made once per VM: a VM runs one request
// at a time and setFunc calls back before it returns, and a closure per request costs more in goja
// (each is converted to a Go func anew, ~1.5 us measured).
let takeKey = "";
let takeSpec: RateSpec | undefined;
let takeCost = 0;
let takeCap = 0;
let takeDone = false;
// The result of the take in flight, reused: no object per request.
const takeOut: TakeOut = { allowed: false, tokens: 0, evicted: 0 };

function takeUnderLock(old: unknown): Shard {
  // The clock is read under the store lock: a VM that waited for the lock must not apply an
  // older time after a newer one (tests/ratelimit-concurrency.integration.test.ts caught 65%
  // over-admission that way).
  const shard = shardOrNew(old as Shard | null);
  takeInto(takeOut, shard, takeKey, takeSpec!.limit, Date.now(), takeCost, takeCap);
  takeDone = true;
  return shard;
}

// $app.store() is one object for the process's life; a call into Go per request saved.
let store: ReturnType<typeof $app.store> | undefined;

/** Takes `cost` tokens; the outcome is in takeOut until the next take. */
function take(p: Plan, key: string, spec: RateSpec, cost: number): TakeOut {
  takeKey = key;
  takeSpec = spec;
  takeCost = cost;
  takeCap = p.shardCap;
  takeDone = false;
  if (store === undefined) store = $app.store();
  store.setFunc(shardKeyOf(key), takeUnderLock);
  if (!takeDone) throw new Error("pb-ops rate limit: the store did not run the update");
  return takeOut;
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
    if (e.request!.header.get(h)) return `request has ${h} but PocketBase trusts no proxy header, so clients behind that proxy share one bucket; set Settings > Trusted proxy`;
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
    { rule, key, method: req.method, path: req.url!.path, retryAfterS: retryAfter, suppressedBefore: suppressed || undefined, hint: proxyHint(e) },
    state,
  );
  suppressed = 0;
}

/**
 * Takes `cost` tokens for `key` and sets the headers; throws PocketBase's 429 (JSON error shape)
 * with Retry-After when the bucket is short. With `merge`, the policy joins the header's list
 * (replacing an earlier member of the same name), so a route's own limit sits next to the
 * middleware's.
 */
function enforce(e: core.RequestEvent, h: http.Header, state: Pick<RequestState, "requestId" | "fields">, p: Plan, name: string, policyHeader: string, spec: RateSpec, key: string, cost: number, merge: boolean, logKey = key, inRoute = false): number {
  const r = take(p, key, spec, cost);
  const allowed = r.allowed;
  const tokens = r.tokens;
  const evicted = r.evicted;
  const limitValue = rateLimitHeader(name, spec.limit, tokens);
  // One method lookup on the Go header map for both writes.
  const set = h.set;
  if (merge) {
    set("RateLimit-Policy", withMember(h.get("RateLimit-Policy"), name, policyHeader));
    set("RateLimit", withMember(h.get("RateLimit"), name, limitValue));
  } else {
    set("RateLimit-Policy", policyHeader);
    set("RateLimit", limitValue);
  }
  state.fields.rateLimit = allowed ? "allowed" : "limited";
  state.fields.rateLimitRule = name;
  if (inRoute) e.set(ROUTE_RATE_LIMIT_KEY, `${state.fields.rateLimit} ${name}`);
  if (evicted > 0) logEviction(evicted);
  if (!allowed) {
    const retryAfter = retryAfterSeconds(spec.limit, tokens, cost);
    h.set("Retry-After", String(retryAfter));
    logRejection(e, state, name, logKey, retryAfter);
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
  const ruleKey = (authenticated ? "a " : "g ") + method + " " + path + " " + collection;
  const known = ruleMemo.get(ruleKey);
  if (known !== undefined) return known;
  const segments = canonicalSegments(path, canonicalCollection(collection));
  return remember(ruleMemo, ruleKey, firstMatch(p.rules, { method, segments, authenticated }) ?? null);
}

/** The bucket key of a request under `rule` for this client. */
function keyFor(e: core.RequestEvent, p: Plan, rule: Rule, ip: string, authenticated: boolean): string {
  if (rule.key === "auth" && authenticated) return bucketKey(rule.name, rule.key, ip, authRef(e), p.ipv6Prefix);
  // Address keys repeat from request to request (bucketKey parses IPv6 to apply the prefix).
  const memoKey = rule.name + " " + ip;
  const known = bucketKeyMemo.get(memoKey);
  return known !== undefined ? known : remember(bucketKeyMemo, memoKey, bucketKey(rule.name, rule.key, ip, undefined, p.ipv6Prefix));
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
  enforce(e, state.responseHeaders, state, p, rule.name, rule.policyHeader, rule, keyFor(e, p, rule, ip, authenticated), rule.cost, false);
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
    enforce(re, h, { requestId: h.get(REQUEST_ID_HEADER), fields: {} }, p, rule.name, rule.policyHeader, rule, keyFor(re, p, rule, ip, authenticated), rule.cost, true);
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

const specCache: Record<string, RateSpec & { policyHeader: string }> = {};
const APP_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

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
  if (!APP_NAME.test(name)) throw new Error(`pb-ops rateLimit: bad name ${JSON.stringify(name)} (lower-case letters, digits, - and _)`);
  const cacheKey = `${name} ${spec}`;
  let parsed = specCache[cacheKey];
  if (!parsed) {
    // A bad spec is a bug in the calling route: a 500 whose message names the call and the form
    // (PocketBase sentence-cases an API error's message: capital first letter, final period).
    try {
      const s = parseRateWords(String(spec).trim().split(/\s+/), true);
      if (s.name !== undefined) throw new Error("name= belongs in the first argument");
      parsed = specCache[cacheKey] = { ...s, policyHeader: policyHeaderOf(name, s.count, s.windowS) };
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
  const key = options.key !== undefined ? `${bucket}|key:${options.key}` : bucketKey(bucket, parsed.key, ip, parsed.key === "auth" ? authRef(e) : undefined, p.ipv6Prefix);
  // A caller-chosen key may be personal data (an email, a phone number): logs show it as [custom].
  const logKey = options.key !== undefined ? `${bucket}|key:[custom]` : key;
  const h = e.response.header();
  // The route runs in another VM than the pbOps middleware, so its RequestState is out of reach:
  // the outcome travels on the event (read back by the access line), the request id on the header.
  const tokens = enforce(e, h, { requestId: h.get(REQUEST_ID_HEADER), fields: {} }, p, name, parsed.policyHeader, parsed, key, cost, true, logKey, true);
  return { remaining: Math.max(0, Math.floor(tokens)), exempt: false };
}

/** SERVE_SETUPS entry: one WARN line per valid but dangerous rate-limit setting. */
export function rateLimitServeSetup(_e: core.ServeEvent): void {
  for (const msg of rateLimitWarnings(getConfig().rateLimit)) logEvent("warn", `rate limit: ${msg}`);
}
