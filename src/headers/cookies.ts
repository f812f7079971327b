// Attributes of every cookie pb-ops sets (e.g. the admin gate cookie). Pure; the adapter's
// setCookie() applies them to a real response.
import { TOKEN } from "./values";

export type SameSite = "Strict" | "Lax" | "None";

/** Go's http.SameSite constants, which PocketBase's `new Cookie({sameSite})` expects. */
export const GO_SAME_SITE: Readonly<Record<SameSite, number>> = Object.freeze({ Lax: 2, Strict: 3, None: 4 });

export interface CookieAttributes {
  readonly httpOnly: true;
  readonly secure: boolean;
  readonly sameSite: SameSite;
}

/**
 * HttpOnly always (pb-ops cookies are never for scripts), SameSite as asked (Lax by default: sent on
 * top-level navigation, not on cross-site subrequests), Secure when the request is HTTPS or when
 * PB_ENCRYPTION_COOKIE_SECURE=true (behind a proxy pb-ops cannot see). SameSite=None without Secure
 * is refused: browsers drop such cookies, so it would be a silent failure.
 */
export function cookieAttributes(opts: { https: boolean; forceSecure: boolean; sameSite?: SameSite }): CookieAttributes {
  const sameSite = opts.sameSite ?? "Lax";
  const secure = opts.https || opts.forceSecure;
  if (sameSite === "None" && !secure)
    throw new Error("pb-ops: a SameSite=None cookie must be Secure (serve over HTTPS or set PB_ENCRYPTION_COOKIE_SECURE=true)");
  return Object.freeze({ httpOnly: true, secure, sameSite });
}

/** Cookie name must be a token; value cookie-octets (RFC 6265 4.1.1): Go would drop it quietly. */
export function checkCookie(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new Error(`pb-ops: invalid cookie name ${JSON.stringify(name)}`);
  if (!/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/.test(value))
    throw new Error(`pb-ops: invalid characters in the value of cookie ${name}`);
}
