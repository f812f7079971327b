// Hidden admin path, admin IP allowlist and gated superuser login (docs/admin.md). The decisions
// are pure (src/admin/); this file gathers the facts from the request and acts on them.
//
// How a refused request answers "exactly like an unknown path": the gate runs early in the chain
// (pbOps, priority -1016), so the headers later middlewares would add, and what an unknown path
// even is on this server (PocketBase's JSON 404, a pb_public file 404, or an SPA's index.html with
// --indexFallback), are not known here. So the refused request is re-dispatched through PocketBase's
// own router (the http.ServeMux kept at serve time) as a request for a random unknown path, on the
// same response writer. Every middleware then does exactly what it does for a real miss. The
// re-dispatched request carries a per-process token so pb-ops skips its post stages for it (the
// outer request writes the one access line).
import { decide } from "../admin/decide";
import { checkGateCookies, gateSetCookie, signGate, type GateKey } from "../admin/gate-cookie";
import { spendLogBudget, type LogBudget } from "../admin/log-budget";
import { classifyPath, SUPERUSERS_ID, SUPERUSERS_NAME } from "../admin/paths";
import { findAdminLinks, type TemplateRef } from "../admin/templates";
import { ipAllowed } from "../admin/cidr";
import { constantTimeEqual } from "../crypto/constant-time";
import { getConfig } from "./config";
import { logEvent } from "./log";
import type { PreStage } from "./pipeline";
import { clientIp, type RequestState } from "./request-state";

const SECRET_KEY = "pbOps.admin.secret";
const SUPERUSERS_IDS_KEY = "pbOps.admin.superusersIds";
const MUX_KEY = "pbOps.admin.mux";
const REPLAY_TOKEN_KEY = "pbOps.admin.replayToken";
const MISS_PATH_KEY = "pbOps.admin.missPath";
const LOG_BUDGET_KEY = "pbOps.admin.denialLogBudget";
const SECRET_FILE = ".pb_ops_secret";
const REPLAY_HEADER = "X-Pb-Ops-Replay";

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
  const a = getConfig().admin;
  return a.path !== null || a.allowIps !== null;
}

// ---------------------------------------------------------------- serve time (loader VM)

/** SERVE_SETUPS entry: server secret, superusers id, replay token, email template check. */
export function setupAdminAtServe(_e: core.ServeEvent): void {
  if (!adminSurfaceGuarded()) return;
  const store = $app.store();
  if (getConfig().admin.path !== null) store.set(SECRET_KEY, loadServerSecret());
  store.set(SUPERUSERS_IDS_KEY, superusersIds());
  store.set(REPLAY_TOKEN_KEY, $security.randomString(40));
  store.set(MISS_PATH_KEY, `/${$security.randomStringWithAlphabet(24, "abcdefghijklmnopqrstuvwxyz0123456789")}`);
  if (getConfig().admin.path !== null) warnAboutEmailTemplates();
}

/** SERVE_READY entry: the router is built; keep its mux for re-dispatching refused requests. */
export function keepMuxAtServe(e: core.ServeEvent): void {
  if (!adminSurfaceGuarded()) return;
  $app.store().set(MUX_KEY, e.server!.handler);
}

/** PB_OPS_SECRET, else a secret generated once into pb_data (0600) so restarts keep cookies valid. */
function loadServerSecret(): string {
  const fromEnv = getConfig().admin.secret;
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
    logEvent("error", "admin gate: cannot write the server secret; gate cookies will not survive a restart (set PB_OPS_SECRET)", { file, error: String(err) });
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
      logEvent("info", "admin gate: superuser emails link to /_/; open PB_ADMIN_PATH first in the same browser, then paste the emailed link into the address bar", {
        collection: f.collection,
        template: f.template,
      });
    } else {
      logEvent("warn", "admin gate: email template links to the hidden admin UI (/_/), so its links will not work for your users; point it at your app's own page (docs/admin.md)", {
        collection: f.collection,
        template: f.template,
      });
    }
  }
}

// ---------------------------------------------------------------- per request (pool VMs)

interface Vm {
  secret?: string;
  ids?: string[];
  replayToken?: string;
}
const vm: Vm = {};

function gateKey(): GateKey {
  if (vm.secret === undefined) vm.secret = $app.store().get(SECRET_KEY) as string;
  return { secret: vm.secret, adminPath: getConfig().admin.path! };
}

function hs256(text: string, key: string): string {
  return $security.hs256(text, key);
}

function replayToken(): string {
  if (vm.replayToken === undefined) vm.replayToken = ($app.store().get(REPLAY_TOKEN_KEY) as string) ?? "";
  return vm.replayToken;
}

/** Quick reject: every admin-surface path has a `_` once decoded, or a `%` before. */
function mayBeAdmin(path: string): boolean {
  return path.indexOf("_") >= 0 || path.indexOf("%") >= 0;
}

export const adminGate: PreStage = (e, state) => {
  const replay = state.getRequestHeader(REPLAY_HEADER);
  if (replay !== "") {
    state.requestHeaders.del(REPLAY_HEADER);
    if (constantTimeEqual(replay, replayToken())) {
      state.suppressPost = true;
      return false;
    }
  }

  const cfg = getConfig().admin;
  const path = state.path;
  const allowList = cfg.allowIps;
  const ipOk = allowList === null ? null : ipAllowed(allowList, clientIp(e, state));

  if (cfg.path !== null && (state.method === "GET" || state.method === "HEAD") && ipOk !== false && constantTimeEqual(path, cfg.path)) {
    openGate(e, state);
    return true;
  }

  const surface = mayBeAdmin(path) ? classifyPath(path, ids()) : null;
  if (surface === null && allowList === null) return false;

  const nowS = Math.floor(Date.now() / 1000);
  const ttlS = Math.floor(cfg.gateTtlMs / 1000);
  const d = decide({
    surface,
    gateOn: cfg.path !== null,
    ipAllowed: ipOk,
    superuser: e.hasSuperuserAuth(),
    gate: () => checkGateCookies(state.requestHeaders.values("Cookie"), gateKey(), nowS, ttlS, hs256),
  });
  if (d.action === "pass") {
    if (surface) state.fields.adminGate = "pass";
    return false;
  }
  state.fields.adminGate = d.reason;
  logDenial(e, state, d.reason);
  if (d.action === "forbid") throw new ForbiddenError("", {});
  answerAsMiss(e, state);
  return true;
};

function ids(): string[] {
  if (vm.ids === undefined) vm.ids = ($app.store().get(SUPERUSERS_IDS_KEY) as string[] | undefined) ?? [SUPERUSERS_ID];
  return vm.ids;
}

function openGate(e: core.RequestEvent, state: RequestState): void {
  const cfg = getConfig().admin;
  const ttlS = Math.floor(cfg.gateTtlMs / 1000);
  const expS = Math.floor(Date.now() / 1000) + ttlS;
  const req = e.request!;
  const secure = getConfig().headers.cookieSecure || req.tls != null || req.header.get("X-Forwarded-Proto").toLowerCase() === "https";
  const h = e.response.header();
  h.add("Set-Cookie", gateSetCookie(signGate(gateKey(), expS, hs256), ttlS, secure));
  h.set("Cache-Control", "no-store");
  // The next request (to /_/) must not carry the secret path in its Referer into any log.
  h.set("Referrer-Policy", "no-referrer");
  state.fields.adminGate = "opened";
  logEvent("info", "admin gate: opened", { ip: e.realIP(), secure }, state);
  // The secret must not reach pb-ops's access line nor PocketBase's request log, which both read
  // the URL after the handler: replace it now that it has served its purpose.
  req.url!.path = "/[admin-path]";
  req.url!.rawPath = "";
  e.redirect(302, "/_/");
}

function answerAsMiss(e: core.RequestEvent, state: RequestState): void {
  const store = $app.store();
  const mux = store.get(MUX_KEY) as http.Handler | undefined;
  const missPath = store.get(MISS_PATH_KEY) as string | undefined;
  if (!mux || !missPath) throw new NotFoundError(); // not serving yet (cannot happen in practice)
  const h = e.response.header();
  for (const name of ADDED_BEFORE_GATE) h.del(name);
  const req = e.request!;
  const miss = req.clone(req.context());
  miss.url!.path = missPath;
  miss.url!.rawPath = "";
  miss.requestURI = req.url!.rawQuery ? `${missPath}?${req.url!.rawQuery}` : missPath;
  miss.header.set(REPLAY_HEADER, replayToken());
  if (state.requestId) miss.header.set("X-Request-Id", state.requestId);
  mux.serveHTTP(e.response, miss);
}

function logDenial(e: core.RequestEvent, state: RequestState, reason: string): void {
  let log = false;
  let suppressed = 0;
  $app.store().setFunc(LOG_BUDGET_KEY, (old: unknown) => {
    const step = spendLogBudget(old as LogBudget | undefined, Date.now(), DENIAL_LOGS_PER_MINUTE, 60_000);
    log = step.log;
    suppressed = step.reportSuppressed;
    return step.next;
  });
  if (suppressed > 0) logEvent("warn", "admin gate: more denials not logged", { count: suppressed, windowSeconds: 60 });
  if (!log) return;
  const req = e.request!;
  logEvent("warn", "admin gate: refused", { reason, method: req.method, path: req.url!.path.slice(0, 200), ip: e.realIP() }, state);
}

/** Handler of the exact route GET /_ (registered only when guarded; see pb_ops.pb.ts). */
export function adminBareUnderscore(e: core.RequestEvent): void {
  const q = e.request!.url!.rawQuery;
  e.redirect(301, q ? `/_/?${q}` : "/_/");
}
