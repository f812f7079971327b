// PB_* variables for PocketBase's trusted-proxy setting (Settings > Application > "Trusted proxy"
// / "IP proxy headers"), which e.realIP() reads: rate limiting, the admin allowlist, HSTS and Secure
// cookies all depend on it. pb-ops writes it at serve time (src/adapter/proxy.ts); `off` leaves
// whatever the dashboard holds.
import { defineVar, InvalidValue, parseBool } from "../config/vars";

/** RFC 9110 token characters: what a header name may contain. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** `off`, or a comma list of header names (lower-cased; Go canonicalises names when it looks them up). */
export function parseProxyHeaders(raw: string): readonly string[] | null {
  const v = raw.trim();
  if (v.toLowerCase() === "off") return null;
  const names = v.split(",").map((s) => s.trim());
  if (names.some((n) => n === "")) throw new InvalidValue("empty item in comma-separated list");
  for (const n of names) if (!HEADER_NAME.test(n)) throw new InvalidValue(`${JSON.stringify(n)} is not a header name`);
  const lower = names.map((n) => n.toLowerCase());
  if (new Set(lower).size !== lower.length) throw new InvalidValue("a header is listed twice");
  return Object.freeze(lower);
}

export const proxyVars = {
  headers: defineVar({
    name: "PB_TRUSTED_PROXY_HEADERS",
    default: "off",
    example: "do-connecting-ip",
    accepted: "`off` or a comma-separated list of header names",
    meaning:
      "Written to PocketBase's trusted-proxy headers at every start, so e.realIP() (rate limits, admin allowlist, HTTPS detection, logs) sees the client, not the load balancer. App Platform: `do-connecting-ip`. Only name a header your proxy always overwrites: a client can send any header. `off` leaves the dashboard's setting alone.",
    parse: parseProxyHeaders,
  }),
  leftmostIp: defineVar({
    name: "PB_TRUSTED_PROXY_LEFTMOST_IP",
    default: "false",
    example: "true",
    accepted: "true or false",
    meaning:
      "PocketBase's `useLeftmostIP`: take the left-most valid address of the trusted header instead of the right-most (the one the nearest proxy added). Keep `false` for X-Forwarded-For unless every proxy in front overwrites it. Ignored when PB_TRUSTED_PROXY_HEADERS is `off`.",
    parse: parseBool,
  }),
};
