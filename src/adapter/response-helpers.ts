// Response helpers for app teams' hooks (exported by pb_ops/index.js): another route class's header
// set, and cookies with pb-ops's attributes. Apart from the middleware's stages (./headers.ts) so the
// middleware bundles do not carry them, nor src/headers/cookies.ts's value parsers.
import { checkCookie, cookieAttributes, GO_SAME_SITE, type SameSite } from "../headers/cookies";
import { ROUTE_CLASSES, type RouteClass } from "../headers/route-class";
import { configSection, headerClass, headerPlanMeta } from "./config";
import { isHttps, requestIsHttps } from "./headers";

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
