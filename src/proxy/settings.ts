// Pure decisions about the trusted-proxy setting: what to write at boot (nothing when PocketBase
// already holds it) and whether a request carries a proxy header PocketBase does not trust.

export interface TrustedProxy {
  headers: readonly string[];
  useLeftmostIP: boolean;
}

/** Same headers in the same order (names compared case-insensitively, as Go looks them up) and the same side. */
export function sameTrustedProxy(a: TrustedProxy, b: TrustedProxy): boolean {
  if (a.useLeftmostIP !== b.useLeftmostIP || a.headers.length !== b.headers.length) return false;
  return a.headers.every((h, i) => h.toLowerCase() === b.headers[i]!.toLowerCase());
}

/** The setting to save, or null when pb-ops leaves it alone (`off`) or it is already in place. */
export function trustedProxyChange(wanted: readonly string[] | null, leftmost: boolean, current: TrustedProxy): TrustedProxy | null {
  if (wanted === null) return null;
  const next = { headers: [...wanted], useLeftmostIP: leftmost };
  return sameTrustedProxy(next, current) ? null : next;
}

/** Headers that proxies and CDNs put the client address in, as a bare IP list PocketBase can read
 * (the standard `Forwarded: for=...` form is not: e.realIP() would find no address in it). */
// Read-only by its type, not Object.freeze: a freeze at the top level makes goja build Object's
// statics in every new VM (this module is in pb_ops/hot.js).
export const KNOWN_PROXY_HEADERS: readonly string[] = [
  "do-connecting-ip",
  "x-forwarded-for",
  "x-real-ip",
  "cf-connecting-ip",
  "fly-client-ip",
  "true-client-ip",
  "x-client-ip",
  "fastly-client-ip",
  "x-azure-clientip",
];

export type ProxyLook = { kind: "trusted" } | { kind: "none" } | { kind: "untrusted"; headers: string[] };

/**
 * What one request says about the proxy setting. `trusted`: a trusted header is on it, so
 * e.realIP() uses it (other proxy headers next to it, like App Platform's X-Forwarded-For, are
 * fine). `untrusted`: it carries known proxy headers but none that PocketBase trusts, so
 * e.realIP() is the proxy's address. `none`: no proxy header at all.
 */
export function lookAtProxyHeaders(present: (name: string) => boolean, trusted: readonly string[]): ProxyLook {
  for (let i = 0; i < trusted.length; i++) if (present(trusted[i]!)) return { kind: "trusted" };
  const found = KNOWN_PROXY_HEADERS.filter((h) => present(h));
  return found.length ? { kind: "untrusted", headers: found } : { kind: "none" };
}

/**
 * When the next request should be looked at, per VM. Looking costs a dozen header lookups, so a
 * VM looks at one request, then rests: long after a warning or once the header it saw is trusted
 * (settings can change at run time, so it looks again later), briefly when the request had no
 * proxy header at all (a health check from inside the platform, a direct client).
 */
export const PROXY_CHECK_REST_MS = { warned: 300_000, trusted: 60_000, none: 1_000 } as const;
