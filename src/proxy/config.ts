// PB_* variables for PocketBase's trusted-proxy setting (Settings > Application > "Trusted proxy"
// / "IP proxy headers"), which e.realIP() reads: rate limiting, the admin allowlist, HSTS and Secure
// cookies all depend on it. pb-ops writes it at serve time (src/adapter/proxy.ts); `off` leaves
// whatever the dashboard holds.
import { defineVar, InvalidValue, keywordOr, listOf, parseBool, parser } from "../config/vars";

/** RFC 9110 token characters: what a header name may contain. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

const headerNames = listOf((n) => {
  if (!HEADER_NAME.test(n)) throw new InvalidValue(`${JSON.stringify(n)} is not a header name`);
  return n.toLowerCase();
}, "header names");

/** `off`, or a comma list of header names (lower-cased; Go canonicalises names when it looks them up). */
export const parseProxyHeaders = keywordOr(
  "off",
  parser(headerNames.accepted, (raw) => {
    const lower = headerNames(raw);
    if (new Set(lower).size !== lower.length) throw new InvalidValue("a header is listed twice");
    return lower;
  }),
);

export const proxyVars = {
  headers: defineVar({
    name: "PB_TRUSTED_PROXY_HEADERS",
    default: "off",
    example: "do-connecting-ip",
    meaning:
      "Written to PocketBase's trusted-proxy headers at every start, so e.realIP() (rate limits, admin allowlist, HTTPS detection, logs) sees the client, not the load balancer. App Platform: `do-connecting-ip`. Only name a header your proxy always overwrites: a client can send any header. `off` leaves the dashboard's setting alone.",
    parse: parseProxyHeaders,
  }),
  leftmostIp: defineVar({
    name: "PB_TRUSTED_PROXY_LEFTMOST_IP",
    default: "false",
    example: "true",
    meaning:
      "PocketBase's `useLeftmostIP`: take the left-most valid address of the trusted header instead of the right-most (the one the nearest proxy added). Keep `false` for X-Forwarded-For unless every proxy in front overwrites it. Ignored when PB_TRUSTED_PROXY_HEADERS is `off`.",
    parse: parseBool,
  }),
};
