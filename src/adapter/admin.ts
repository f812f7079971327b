// Hidden admin path, admin IP allowlist and gated superuser login (docs/admin.md). The decisions
// are pure (src/admin/); this file gathers the facts from the request and acts on them.
//
// How a refused request answers "exactly like an unknown resource of the same shape" is decided
// from PocketBase's own routing (the matched mux pattern and `{collection}` path value), see
// adminGate below. Batch sub-requests are gated in gateBatch (onBatchRequest), since they do not
// pass through router middlewares.
import { decide } from "../admin/decide";
import { checkGateCookies, gateSetCookie, signGate, type GateKey } from "../admin/gate-cookie";
import { spendLogBudget, type LogBudget } from "../admin/log-budget";
import {
  collectionSegmentOf,
  isCatchAll,
  isSuperusersRef,
  mentionsSecret,
  withCollection,
  SUPERUSERS_ID,
  SUPERUSERS_NAME,
  surfaceOfRoute,
  uiMissPath,
} from "../admin/paths";
import { findAdminLinks, type TemplateRef } from "../admin/templates";
import { inAnyCidr } from "../net/ip";
import { constantTimeEqual } from "../crypto/constant-time";
import { scrubbedQuery } from "./access-log";
import { configSection, stagePlan } from "./config";
import { setSecurityHeaders } from "./headers";
import { logEvent } from "./log";
import type { PreStage } from "./stage";
import { clientIp, type RequestState } from "./request-state";
import { EVENT, STORE } from "./keys";
import { REQUEST_ID_HEADER } from "../log/request-id";
import { memoGet, memoSet, newMemo } from "../memo/second-use";
import { appStore } from "./store";

const SECRET_FILE = ".pb_ops_secret";
const REPLAY_HEADER = "X-Pb-Ops-Replay";
const ORIGINAL_PATH_HEADER = "X-Pb-Ops-Original-Path";
/** The re-dispatched request's rate-limit decision, handed back to the outer request (handBackOutcomes). */
const INNER_RATE_LIMIT_HEADER = "X-Pb-Ops-Inner-Rate-Limit";

/** Denials logged per minute across all VMs; the rest are counted and reported once. */
const DENIAL_LOGS_PER_MINUTE = 20;

/**
 * Headers that middlewares before pbOps add with Header().Add (pbCors's `Vary: Origin`): the
 * re-dispatched request runs those middlewares again, so they are removed first to not double.
 * Headers set with Set are simply set again to the same value.
 */
const ADDED_BEFORE_GATE = ["Vary", "Set-Cookie", "Link", "Access-Control-Expose-Headers", "Server-Timing"];

/** True when the admin surface is guarded at all (PB_ADMIN_PATH or PB_ADMIN_ALLOW_IPS set). */
export function adminSurfaceGuarded(): boolean {
  const a = configSection("admin");
  return a.path !== null || a.allowIps !== null;
}

// ---------------------------------------------------------------- serve time (loader VM)

/** SERVE_SETUPS entry: server secret, superusers id, replay token, installer off, email template check. */
export function setupAdminAtServe(e: core.ServeEvent): void {
  if (!adminSurfaceGuarded()) return;
  const store = appStore();
  if (configSection("admin").path !== null) store.set(STORE.adminSecret, loadServerSecret());
  store.set(STORE.adminSuperusersIds, superusersIds());
  for (const c of configSection("admin").allowIps ?? []) {
    if (/\/0$/.test(c.text))
      logEvent("warn", "admin gate: PB_ADMIN_ALLOW_IPS contains a /0 range, which allows every address of its family; it fences nothing", {
        cidr: c.text,
      });
  }
  store.set(STORE.adminReplayToken, $security.randomString(40));
  store.set(STORE.adminMissName, $security.randomStringWithAlphabet(24, NAME_ALPHABET));
  if (configSection("admin").path !== null) {
    // PocketBase's installer prints a superuser-creation link (a token, pointing at the hidden
    // /_/) to stdout, so to the log drain: skip it. The first superuser is made with
    // `pocketbase superuser upsert` instead (docs/admin.md).
    (e as unknown as { installerFunc: unknown }).installerFunc = null;
    warnAboutEmailTemplates();
  }
}

/** SERVE_READY entry: the router is built; keep its mux for re-dispatching refused requests. */
export function keepMuxAtServe(e: core.ServeEvent): void {
  if (!adminSurfaceGuarded()) return;
  appStore().set(STORE.adminMux, e.server!.handler);
}

/** PB_OPS_SECRET, else a secret generated once into pb_data (0600) so restarts keep cookies valid. */
function loadServerSecret(): string {
  const fromEnv = configSection("admin").secret;
  if (fromEnv !== null) return fromEnv;
  const file = $filepath.join($app.dataDir(), SECRET_FILE);
  try {
    const existing = toString($os.readFile(file)).trim();
    if (existing.length >= 32) return existing;
    logEvent("warn", "admin gate: server secret file is damaged; generating a new one (gate cookies handed out before are void)", { file });
  } catch {
    // first start: no file yet
  }
  const secret = $security.randomString(64);
  try {
    $os.writeFile(file, secret, 0o600 as unknown as fs.FileMode);
    logEvent("info", "admin gate: generated the server secret", { file });
  } catch (err) {
    logEvent("error", "admin gate: cannot write the server secret; gate cookies will not survive a restart (set PB_OPS_SECRET)", {
      file,
      error: String(err),
    });
  }
  return secret;
}

function superusersIds(): string[] {
  const ids = [SUPERUSERS_ID];
  try {
    const c = $app.findCollectionByNameOrId(SUPERUSERS_NAME);
    if (c && !ids.includes(c.id)) ids.push(c.id);
  } catch {
    // not migrated yet: the fixed id covers every PocketBase since v0.23
  }
  return ids;
}

const TEMPLATE_OPTIONS = ["verificationTemplate", "resetPasswordTemplate", "confirmEmailChangeTemplate"] as const;

function warnAboutEmailTemplates(): void {
  const refs: TemplateRef[] = [];
  try {
    for (const c of $app.findAllCollections("auth")) {
      if (!c) continue;
      for (const t of TEMPLATE_OPTIONS) {
        const tpl = (c as unknown as Record<string, { body?: string; subject?: string } | undefined>)[t];
        if (tpl?.body !== undefined) refs.push({ collection: c.name, template: t, body: tpl.body, subject: tpl.subject });
      }
    }
  } catch (err) {
    logEvent("warn", "admin gate: could not read the auth collections' email templates", { error: String(err) });
    return;
  }
  for (const f of findAdminLinks(refs)) {
    if (f.superusers) {
      logEvent(
        "info",
        "admin gate: superuser emails link to /_/; open PB_ADMIN_PATH first in the same browser, then paste the emailed link into the address bar",
        {
          collection: f.collection,
          template: f.template,
        },
      );
    } else {
      logEvent(
        "warn",
        "admin gate: email template links to the hidden admin UI (/_/), so its links will not work for your users; point it at your app's own page (docs/admin.md)",
        {
          collection: f.collection,
          template: f.template,
        },
      );
    }
  }
}

// ---------------------------------------------------------------- per request (pool VMs)

interface Vm {
  missName?: string;
  secret?: string;
  ids?: string[];
  replayToken?: string;
}
const vm: Vm = {};

function gateKey(): GateKey {
  if (vm.secret === undefined) vm.secret = appStore().get(STORE.adminSecret) as string;
  return { secret: vm.secret, adminPath: configSection("admin").path! };
}

function hs256(text: string, key: string): string {
  return $security.hs256(text, key);
}

function replayToken(): string {
  if (vm.replayToken === undefined) vm.replayToken = (appStore().get(STORE.adminReplayToken) as string) ?? "";
  return vm.replayToken;
}

const NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

// Made on the first refusal that needs one (this module is in every new VM; refusals are rare).
let unknownNames: Map<number, string> | undefined;

/**
 * A collection name that does not exist, as long as the one it stands for (same shape): random,
 * made once per VM and length (the superusers collection's name and id are 11 and 14 characters,
 * so the space is far too large to hit a real name).
 */
function unknownNameLike(name: string): string {
  if (!unknownNames) unknownNames = new Map();
  let n = unknownNames.get(name.length);
  if (n === undefined) {
    n = "z" + $security.randomStringWithAlphabet(Math.max(0, name.length - 1), NAME_ALPHABET);
    if (unknownNames.size < 64) unknownNames.set(name.length, n);
  }
  return n;
}

const REDACTED_ADMIN_PATH = "/[admin-path]";

/**
 * Replaces the request's path when it mentions the secret admin path (a near miss: another case,
 * a trailing slash, POST, from outside PB_ADMIN_ALLOW_IPS). pb-ops's access line and PocketBase's
 * request log both read the URL after the chain, and routing is already done: handlers read path
 * values, and a catch-all miss is re-dispatched with this path (a miss either way).
 */
function scrubSecretPath(req: http.Request, secretPath: string | null, path: string): string {
  if (secretPath === null || !mentionsSecret(path, secretPath)) return path;
  req.url!.path = REDACTED_ADMIN_PATH;
  req.url!.rawPath = "";
  return REDACTED_ADMIN_PATH;
}

/**
 * How the gate answers (docs/admin.md, "What is hidden"):
 * - A refused request for the superusers collection (any route with `{collection}`, however
 *   PocketBase resolves it) keeps going down its own route with `{collection}` set to an unknown
 *   name of the same length: PocketBase itself answers, as for any unknown collection, with the
 *   same work, headers, limiter rules and body.
 * - A refused admin UI request is re-dispatched through the mux as the unknown page of the same
 *   shape (`/_/x` -> `/<random>/x`): the catch-all (pb_public, its 404, an SPA) answers.
 * - So that a refused UI request costs what a miss costs, every catch-all request (every miss and
 *   pb_public page) is re-dispatched the same way while the gate is on.
 */
export const adminGate: PreStage = (e, state) => {
  // pb-ops's own re-dispatch: the outer request writes the access line. It still meets the gate
  // below (a re-dispatch can never open the admin surface), but is not re-dispatched again.
  const replay = state.getRequestHeader(REPLAY_HEADER);
  let inner = false;
  if (replay !== "") {
    state.requestHeaders.del(REPLAY_HEADER);
    inner = constantTimeEqual(replay, replayToken());
    if (inner) {
      state.suppressPost = true;
      restoreOriginalPath(e.request!, state.getRequestHeader(ORIGINAL_PATH_HEADER));
    }
  }

  const cfg = configSection("admin");
  const req = e.request!;
  const allowList = cfg.allowIps;
  const ipOk = allowList === null ? null : inAnyCidr(allowList, clientIp(e, state));

  if (
    !inner &&
    cfg.path !== null &&
    (state.method === "GET" || state.method === "HEAD") &&
    ipOk !== false &&
    constantTimeEqual(state.path, cfg.path)
  ) {
    openGate(e, state);
    return true;
  }
  const path = scrubSecretPath(req, cfg.path, state.path);

  const pattern = (req as unknown as { pattern: string }).pattern;
  const collection = req.pathValue("collection");
  const kind = patternKind(pattern);
  const catchAll = kind === CATCH_ALL;
  const surface = kind === ADMIN_UI ? "ui" : isSuperusersRef(collection, ids()) ? "superusers" : null;
  if (surface === null && !catchAll && collection === "" && allowList === null) return false;

  // Same cost (docs/admin.md, "Timing"): a refusal and the miss it imitates run the same code. Every
  // request that could be either (a route with `{collection}`, the admin UI, the catch-all) takes
  // the full decision as if it were on the admin surface, writes `{collection}` back (the refusal
  // writes an unknown name) and is re-dispatched the same way; only the verdict differs.
  const superuser = e.hasSuperuserAuth();
  const asSurface = decide({
    surface: surface ?? "ui",
    gateOn: cfg.path !== null,
    ipAllowed: ipOk,
    superuser,
    gate: () =>
      checkGateCookies(
        state.requestHeaders.values("Cookie"),
        gateKey(),
        Math.floor(Date.now() / 1000),
        Math.floor(cfg.gateTtlMs / 1000),
        hs256,
      ),
  });
  const d = surface !== null ? asSurface : decide({ surface: null, gateOn: cfg.path !== null, ipAllowed: ipOk, superuser, gate: NEVER });
  const refused = d.action === "miss";
  if (d.action !== "pass") {
    state.fields.adminGate = d.reason;
    logDenial(e, state, d.reason, path);
  } else if (surface) state.fields.adminGate = "pass";
  if (d.action === "forbid") {
    securityHeaders(e, state);
    throw new ForbiddenError("", {});
  }
  if (collection !== "" && !catchAll) {
    req.setPathValue("collection", refused ? unknownNameLike(collection) : collection);
    return false;
  }
  if (inner || (!catchAll && !refused)) return false;
  // The UI's miss is the catch-all's answer for the same shape (`/_/x` -> `/<name>/x`); a miss is
  // re-dispatched as itself. The escaped form is kept: the mux routes (and cleans) the escaped
  // path, so `/_/%2e%2e` must stay `/<name>/%2e%2e`, not become an unclean `/<name>/..`.
  const escaped = req.url!.escapedPath();
  const name = refused ? missName() : "";
  redispatch(
    e,
    state,
    refused ? uiMissPath(path, name) : path,
    refused ? uiMissPath(escaped, name) : path === state.path ? escaped : "",
    path === state.path,
  );
  return true;
};

const NEVER = (): "missing" => "missing";

// What a route pattern is, remembered per VM: patterns are the app's routes (a small fixed set,
// not client text), and working it out costs string slicing on every request in goja.
const OTHER = 0;
const CATCH_ALL = 1;
const ADMIN_UI = 2;
// Its Map is made on a VM's second lookup (src/memo/second-use.ts): none in a throwaway VM.
const patternKinds = /* @__PURE__ */ newMemo<number>(1024);

/** surfaceOfRoute and isCatchAll of src/admin/paths.ts, for the pattern alone. */
function patternKind(pattern: string): number {
  const k = memoGet(patternKinds, pattern);
  if (k !== undefined) return k;
  return memoSet(patternKinds, pattern, surfaceOfRoute(pattern, "", []) === "ui" ? ADMIN_UI : isCatchAll(pattern) ? CATCH_ALL : OTHER);
}

/**
 * In a re-dispatched UI refusal, once the mux has routed it as the miss: the URL goes back to
 * what the client sent. Handlers look files up by path value, but build redirects (a directory's
 * trailing slash) from the URL, so a miss's Location echoes what the client sent, and so must
 * this one's.
 */
function restoreOriginalPath(req: http.Request, escaped: string): void {
  if (escaped === "") return;
  req.header.del(ORIGINAL_PATH_HEADER);
  let decoded = escaped;
  try {
    decoded = decodeURIComponent(escaped);
  } catch {
    // the mux accepted it, so it decodes; keep the escaped form otherwise
  }
  req.url!.path = decoded;
  req.url!.rawPath = escaped;
}

/** The security headers of the request's route class, for answers pb-ops makes before that stage. */
function securityHeaders(e: core.RequestEvent, state: RequestState): void {
  if (stagePlan().headers) setSecurityHeaders(e, state);
}

function missName(): string {
  if (vm.missName === undefined) vm.missName = (appStore().get(STORE.adminMissName) as string | undefined) ?? "zz";
  return vm.missName;
}

function ids(): string[] {
  if (vm.ids === undefined) vm.ids = (appStore().get(STORE.adminSuperusersIds) as string[] | undefined) ?? [SUPERUSERS_ID];
  return vm.ids;
}

function openGate(e: core.RequestEvent, state: RequestState): void {
  const cfg = configSection("admin");
  const ttlS = Math.floor(cfg.gateTtlMs / 1000);
  const expS = Math.floor(Date.now() / 1000) + ttlS;
  const req = e.request!;
  const secure = configSection("headers").cookieSecure || req.tls != null || req.header.get("X-Forwarded-Proto").toLowerCase() === "https";
  securityHeaders(e, state);
  const h = e.response.header();
  h.add("Set-Cookie", gateSetCookie(signGate(gateKey(), expS, hs256), ttlS, secure));
  h.set("Cache-Control", "no-store");
  // The next request (to /_/) must not carry the secret path in its Referer into any log.
  h.set("Referrer-Policy", "no-referrer");
  state.fields.adminGate = "opened";
  logEvent("info", "admin gate: opened", { ip: e.realIP(), secure }, state);
  // The secret must not reach pb-ops's access line nor PocketBase's request log, which both read
  // the URL after the handler: replace it now that it has served its purpose.
  req.url!.path = REDACTED_ADMIN_PATH;
  req.url!.rawPath = "";
  e.redirect(302, "/_/");
}

/**
 * Sends the request through PocketBase's router again (as `path` when given), on the same response writer; the
 * re-dispatched request carries a per-process token so pb-ops runs its pre stages for it and
 * leaves the post stages (the one access line) to this request. PocketBase's request log gets the
 * inner request only (the outer one is marked to skip the success log).
 */
function redispatch(e: core.RequestEvent, state: RequestState, path: string, escapedPath: string, restore: boolean): void {
  const mux = appStore().get(STORE.adminMux) as http.Handler | undefined;
  if (!mux) throw new NotFoundError(); // not serving yet (cannot happen in practice)
  const h = state.responseHeaders;
  for (let i = 0; i < ADDED_BEFORE_GATE.length; i++) h.del(ADDED_BEFORE_GATE[i]!);
  const req = e.request!;
  const miss = req.clone(req.context());
  // `escapedPath` keeps the routing exact (`/_%2F` stays one segment); `restore` has the inner
  // request put the client's URL back once routed (not for a scrubbed secret path).
  if (restore) miss.header.set(ORIGINAL_PATH_HEADER, req.url!.escapedPath());
  miss.url!.path = path;
  miss.url!.rawPath = escapedPath;
  const query = scrubbedQuery(req.url!.rawQuery);
  miss.url!.rawQuery = query;
  const p = miss.url!.escapedPath();
  miss.requestURI = query ? `${p}?${query}` : p;
  miss.header.set(REPLAY_HEADER, replayToken());
  if (state.requestId) miss.header.set(REQUEST_ID_HEADER, state.requestId);
  e.set(EVENT.skipSuccessActivityLog, true);
  mux.serveHTTP(e.response, miss);
  // The limiter ran in the inner request only (this one stopped at the gate): take its decision
  // for this request's access line and counters.
  const inner = miss.header.get(INNER_RATE_LIMIT_HEADER);
  if (inner) {
    const sp = inner.indexOf(" ");
    state.fields.rateLimit = inner.slice(0, sp);
    state.fields.rateLimitRule = inner.slice(sp + 1);
  }
}

/**
 * In pb-ops's own re-dispatch (suppressPost), in place of the post stages: hands the inner
 * request's rate-limit decision to the outer request, which writes the access line and counts the
 * request. Through the inner request's headers, because the two run in different VMs and the
 * outer one holds that request object.
 */
export function handBackOutcomes(e: core.RequestEvent, state: RequestState): void {
  const f = state.fields;
  if (f.rateLimit !== undefined) e.request!.header.set(INNER_RATE_LIMIT_HEADER, `${f.rateLimit} ${f.rateLimitRule ?? ""}`);
}

// A per-VM allowance in front of the shared budget: once a VM has had its share this minute, a
// denial costs a clock read and a counter, not a store operation (a flood of refusals must cost
// no more than a flood of misses; see "Timing" in docs/admin.md). Its suppressed count joins the
// shared report.
const VM_DENIAL_LOGS_PER_MINUTE = 2;
let vmWindowStartMs = 0;
let vmAllowance = 0;
let vmSuppressed = 0;

function logDenial(e: core.RequestEvent, state: RequestState, reason: string, path: string): void {
  const now = Date.now();
  if (now - vmWindowStartMs >= 60_000 || now < vmWindowStartMs) {
    vmWindowStartMs = now;
    vmAllowance = VM_DENIAL_LOGS_PER_MINUTE;
  }
  if (vmAllowance <= 0) {
    vmSuppressed++;
    return;
  }
  vmAllowance--;
  let log = false;
  let suppressed = 0;
  const carried = vmSuppressed;
  vmSuppressed = 0;
  appStore().setFunc(STORE.adminDenialLogBudget, (old: unknown) => {
    const step = spendLogBudget(old as LogBudget | undefined, now, DENIAL_LOGS_PER_MINUTE, 60_000, carried);
    log = step.log;
    suppressed = step.reportSuppressed;
    return step.next;
  });
  if (suppressed > 0) logEvent("warn", "admin gate: more denials not logged", { count: suppressed, windowSeconds: 60 });
  if (!log) return;
  const req = e.request!;
  logEvent("warn", "admin gate: refused", { reason, method: req.method, path: path.slice(0, 200), ip: e.realIP() }, state);
}

/** Handler of the exact route GET /_ (registered only when guarded; see pb_ops.pb.ts). */
export function adminBareUnderscore(e: core.RequestEvent): void {
  const q = e.request!.url!.rawQuery;
  e.redirect(301, q ? `/_/?${q}` : "/_/");
}

/**
 * onBatchRequest: batch sub-requests skip router middlewares, so each one addressing the
 * superusers collection is gated here. A refused one is rewritten to an unknown collection of the
 * same shape, so the batch answers exactly as it would for that unknown collection.
 */
export function gateBatch(e: core.BatchRequestEvent): void {
  if (!adminSurfaceGuarded()) return;
  const cfg = configSection("admin");
  const batch = e.batch;
  let verdict: ReturnType<typeof decide> | undefined;
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i];
    if (!r) continue;
    const c = collectionSegmentOf(r.url);
    if (!c || !isSuperusersRef(c.collection, ids())) continue;
    if (!verdict) {
      verdict = decide({
        surface: "superusers",
        gateOn: cfg.path !== null,
        ipAllowed: cfg.allowIps === null ? null : inAnyCidr(cfg.allowIps, e.realIP()),
        superuser: e.hasSuperuserAuth(),
        gate: () =>
          checkGateCookies(
            batchRequestEvent(e).request!.header.values("Cookie"),
            gateKey(),
            Math.floor(Date.now() / 1000),
            Math.floor(cfg.gateTtlMs / 1000),
            hs256,
          ),
      });
    }
    if (verdict.action === "pass") return;
    r.url = withCollection(r.url, unknownNameLike(c.collection));
  }
}

/**
 * The batch's own request event. In the JSVM the BatchRequestEvent's embedded RequestEvent's
 * methods are promoted (`e.realIP()`), its fields are not: `e.request` and `e.response` are
 * undefined, `e.requestEvent.request` works (checked on v0.31.0 and v0.40.4).
 */
export function batchRequestEvent(e: core.BatchRequestEvent): core.RequestEvent {
  return (e as unknown as { requestEvent: core.RequestEvent }).requestEvent;
}

/**
 * True when the request carries a valid gate cookie (PB_ADMIN_PATH visited, within
 * PB_ADMIN_GATE_TTL) from an allowed address: pages behind the gate (the ops page,
 * src/adapter/metrics.ts) check it again in their handler, so they stay closed even if routing changes.
 */
export function hasGateAccess(e: core.RequestEvent): boolean {
  const cfg = configSection("admin");
  if (cfg.path === null) return false;
  if (cfg.allowIps !== null && !inAnyCidr(cfg.allowIps, e.realIP())) return false;
  return (
    checkGateCookies(
      e.request!.header.values("Cookie"),
      gateKey(),
      Math.floor(Date.now() / 1000),
      Math.floor(cfg.gateTtlMs / 1000),
      hs256,
    ) === "valid"
  );
}
