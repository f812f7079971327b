// Security headers, CORS allowlist and secure cookies on real requests. All decisions come from
// src/headers/ (pure); this file only reads the request and writes the response.
import type { StagePlan } from "../config/shared-plan";
import { checkCookie, cookieAttributes, GO_SAME_SITE, type SameSite } from "../headers/cookies";
import { corsDecision } from "../headers/cors";
import { isHttpsRequest } from "../headers/https";
import { ROUTE_CLASSES, routeClassOf, type RouteClass } from "../headers/route-class";
import { isAdminUiPattern } from "../admin/paths";
import { configSection, getConfig, headerClass, headerPlanMeta, stagePlan } from "./config";
import { logEvent } from "./log";
import { EVENT } from "./keys";
import type { PreStage } from "./stage";

let corsAllowed: ReadonlySet<string> | undefined;

/**
 * The request reached the browser over HTTPS: TLS in PocketBase, or a trusted proxy's
 * X-Forwarded-Proto (see src/headers/https.ts). Settings are read per request because a superuser
 * can change the trusted-proxy settings at run time; only when the header is there at all.
 */
export function isHttps(e: core.RequestEvent): boolean {
  return requestIsHttps(e, e.request!.header);
}

/** `requestHeaders`: the request's header map (the pipeline passes the one it already read). */
function requestIsHttps(e: core.RequestEvent, requestHeaders: http.Header): boolean {
  if (e.isTLS()) return true;
  const forwardedProto = requestHeaders.values("X-Forwarded-Proto");
  if (!forwardedProto || forwardedProto.length === 0) return false;
  const proxy = $app.settings().trustedProxy;
  return isHttpsRequest({ tls: false, forwardedProto, trustedProxyHeaders: proxy.headers ?? [], useLeftmost: proxy.useLeftmostIP });
}

/**
 * Sets the precomputed headers before the handler runs, so they are on every response: JSON, files,
 * pb_public pages, the admin UI (which only adds its CSP when none is set) and errors or 404s
 * written later. PocketBase's pbSecurityHeaders would overwrite three of them after us; it is
 * unbound at serve time (headersServeSetup).
 */
export const setSecurityHeaders: PreStage = (e, state) => {
  let name = routeClassOf(state.path);
  // `/_/` spelt so that the mux does not route it to the admin UI (POST, `/_%2F`) is a miss, and
  // gets a miss's headers: the class follows PocketBase's routing, not the string.
  if (name === "admin" && !isAdminUiPattern((e.request as unknown as { pattern: string }).pattern)) name = "public";
  // Built once per process at boot (src/config/shared-plan.ts); a VM parses only the classes it meets.
  const cls = headerClass(name);
  const list = headerPlanMeta().httpsMatters && requestIsHttps(e, state.requestHeaders) ? cls.secure : cls.plain;
  // Every property read on a Go object is a JSVM->Go crossing: `set` is bound once per request
  // (RequestState), not looked up per header (measured ~2x cheaper per header in goja).
  const set = state.setResponseHeader;
  for (let i = 0; i < list.length; i++) set(list[i]![0], list[i]![1]);
};

/**
 * For app teams: gives a response the header set of another route class, e.g. an HTML page served by
 * a custom route under /api/ (whose default is the API's `default-src 'none'` CSP) gets the
 * pb_public policy with `applyHeaders(e, "public")`. Call it before writing the response.
 */
export function applyHeaders(e: core.RequestEvent, routeClass: RouteClass): void {
  if (!(ROUTE_CLASSES as readonly string[]).includes(routeClass)) {
    throw new Error(`applyHeaders: unknown route class ${JSON.stringify(routeClass)}; use one of ${ROUTE_CLASSES.join(", ")}`);
  }
  const meta = headerPlanMeta();
  if (!meta.enabled) return;
  const cls = headerClass(routeClass);
  const list = meta.httpsMatters && requestIsHttps(e, e.request!.header) ? cls.secure : cls.plain;
  const h = e.response.header();
  // Headers of the old class that the new one does not send would otherwise stay behind.
  const own = new Set(list.map(([name]) => name.toLowerCase()));
  for (const other of ROUTE_CLASSES)
    for (const [name] of [...headerClass(other).plain, ...headerClass(other).secure]) if (!own.has(name.toLowerCase())) h.del(name);
  for (const [name, value] of list) h.set(name, value);
}

/**
 * PB_CORS_ORIGINS enforcement, replacing PocketBase's pbCors (unbound at serve time). Preflights are
 * answered here; real requests get Access-Control-Allow-Origin only for listed origins.
 */
const enforceCors: PreStage = (e, state) => {
  if (!corsAllowed) corsAllowed = new Set(stagePlan().cors ?? []);
  const get = state.getRequestHeader;
  const origin = get("Origin");
  const method = state.method;
  // Access-Control-Request-Headers only matters to preflights: not read on other requests.
  const requestHeaders = method === "OPTIONS" && origin !== "" ? get("Access-Control-Request-Headers") : "";
  const d = corsDecision(corsAllowed, { method, origin, requestHeaders });
  const h = state.responseHeaders;
  // Indexed loops: for-of costs an iterator per loop in goja, and this runs on every request.
  const vary = d.vary;
  const add = h.add;
  for (let i = 0; i < vary.length; i++) add("Vary", vary[i]!);
  const set = d.set;
  for (let i = 0; i < set.length; i++) state.setResponseHeader(set[i]![0], set[i]![1]);
  if (d.verdict) state.fields.cors = d.verdict;
  if (d.answer === 204) {
    // PocketBase's pbCors runs before its activity logger so preflights are not logged; keep that.
    e.set(EVENT.skipSuccessActivityLog, true);
    e.noContent(204);
    return true;
  }
  if (d.answer === 403) {
    logEvent("debug", "cors preflight refused", { origin, path: state.path }, state);
    throw new ForbiddenError("Origin not allowed by PB_CORS_ORIGINS.", {});
  }
};

/** Adds the stages of this concern to `pre`, in order: headers first so every answer below carries them. */
export function headerStages(plan: StagePlan, pre: PreStage[]): void {
  if (plan.headers) pre.push(setSecurityHeaders);
  if (plan.cors) pre.push(enforceCors);
}

/** Serve-time: remove the built-ins pb-ops replaces (bound before onServe, so unbind works). */
export function headersServeSetup(e: core.ServeEvent): void {
  const cfg = getConfig().headers;
  const replaced: string[] = [];
  if (cfg.enabled) replaced.push("pbSecurityHeaders");
  if (cfg.corsOrigins) replaced.push("pbCors");
  if (replaced.length) e.router!.unbind(...replaced);
  logEvent("info", "security headers", {
    headers: cfg.enabled ? "pb-ops" : "pocketbase",
    cors: cfg.corsOrigins ? `allowlist (${cfg.corsOrigins.length})` : "pocketbase --origins",
    replaced,
  });
}

export interface CookieOptions {
  name: string;
  value: string;
  /** Default `/`. */
  path?: string;
  /** Seconds; omitted = session cookie; 0 deletes. */
  maxAgeSeconds?: number;
  /** Default `Lax`. */
  sameSite?: SameSite;
}

/**
 * Sets a cookie the pb-ops way: HttpOnly, SameSite (Lax unless asked), Secure on HTTPS or when
 * PB_ENCRYPTION_COOKIE_SECURE=true. For every cookie pb-ops (or an app hook) sets.
 */
export function setCookie(e: core.RequestEvent, opts: CookieOptions): void {
  checkCookie(opts.name, opts.value);
  const attrs = cookieAttributes({ https: isHttps(e), forceSecure: configSection("headers").cookieSecure, sameSite: opts.sameSite });
  const maxAge = opts.maxAgeSeconds === undefined ? 0 : opts.maxAgeSeconds <= 0 ? -1 : Math.floor(opts.maxAgeSeconds);
  e.setCookie(
    new Cookie({
      name: opts.name,
      value: opts.value,
      path: opts.path ?? "/",
      // Go's http.Cookie: MaxAge 0 = no Max-Age (session), <0 = `Max-Age=0` (delete).
      maxAge,
      httpOnly: attrs.httpOnly,
      secure: attrs.secure,
      sameSite: GO_SAME_SITE[attrs.sameSite] as unknown as http.SameSite,
    }),
  );
}
