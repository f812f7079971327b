// Security headers and the CORS allowlist on every request: the middleware's stages. All decisions
// come from src/headers/ (pure); this file only reads the request and writes the response. The
// helpers app teams call (applyHeaders, setCookie: src/adapter/response-helpers.ts) and the
// serve-time set-up (src/adapter/headers-serve.ts) live apart, so the middleware bundles, evaluated
// again in every new VM, do not carry them nor the header value parsers their imports bring.
import type { StagePlan } from "../config/shared-plan";
import { corsDecision } from "../headers/cors";
import { isHttpsRequest } from "../headers/https";
import { routeClassOf } from "../headers/route-class";
import { isAdminUiPattern } from "../admin/paths";
import { headerClass, headerPlanMeta, stagePlan } from "./config";
import { logEvent } from "./log";
import { EVENT } from "./keys";
import type { PreStage } from "./stage";

let corsAllowed: readonly string[] | undefined;

/**
 * The request reached the browser over HTTPS: TLS in PocketBase, or a trusted proxy's
 * X-Forwarded-Proto (see src/headers/https.ts). Settings are read per request because a superuser
 * can change the trusted-proxy settings at run time; only when the header is there at all.
 */
export function isHttps(e: core.RequestEvent): boolean {
  return requestIsHttps(e, e.request!.header);
}

/** `requestHeaders`: the request's header map (the pipeline passes the one it already read). */
export function requestIsHttps(e: core.RequestEvent, requestHeaders: http.Header): boolean {
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
 * PB_CORS_ORIGINS enforcement, replacing PocketBase's pbCors (unbound at serve time). Preflights are
 * answered here; real requests get Access-Control-Allow-Origin only for listed origins.
 */
const enforceCors: PreStage = (e, state) => {
  if (!corsAllowed) corsAllowed = stagePlan().cors ?? [];
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
