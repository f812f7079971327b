// PB_* variables of the security headers, CORS and cookie concern. Every value is parsed and
// validated here, once; src/headers/policy.ts turns the result into the final header lists.
import { defineVar, InvalidValue, isKeyword, keywordOr, listOf, oneOf, parseBool } from "../config/vars";
import { parseCorsOrigins } from "./cors";
import { ADMIN_CSP, API_CSP, FILES_CSP, PUBLIC_CSP } from "./defaults";
import { MANAGED_HEADERS } from "./managed";
import { choiceOrOff, cspOrOff, DEFAULT_HSTS, hstsValue, OFF, referrerPolicyValue } from "./values";

export const headerVars = {
  enabled: defineVar({
    name: "PB_SECURITY_HEADERS",
    default: "on",
    example: "off",
    meaning:
      "`on`: pb-ops sends its helmet-class header set on every response and replaces PocketBase's own `pbSecurityHeaders` middleware. `off`: pb-ops sends none and PocketBase's three legacy headers stay (the other header variables are still validated but unused).",
    parse: parseBool,
  }),
  disabled: defineVar({
    name: "PB_SECURITY_HEADERS_OFF",
    default: "none",
    example: "X-DNS-Prefetch-Control,Origin-Agent-Cluster",
    meaning: "Headers pb-ops must not send at all (on any route).",
    parse: keywordOr(
      "none",
      listOf(
        (s) => {
          const hit = MANAGED_HEADERS.find((h) => h.toLowerCase() === s.toLowerCase());
          if (!hit) throw new InvalidValue(`${JSON.stringify(s)} is not a header pb-ops sets`);
          return hit;
        },
        `headers pb-ops sets (${MANAGED_HEADERS.join(", ")})`,
      ),
      Object.freeze([] as string[]) as readonly string[],
    ),
  }),
  csp: defineVar({
    name: "PB_CSP",
    default: API_CSP,
    example: "default-src 'none'",
    meaning: "Content-Security-Policy of API responses (`/api/...` except record files): JSON loads nothing, so nothing is allowed.",
    parse: cspOrOff,
  }),
  cspPublic: defineVar({
    name: "PB_CSP_PUBLIC",
    default: PUBLIC_CSP,
    example: "default-src 'self'; img-src 'self' data: https://cdn.example.com; frame-ancestors 'none'",
    meaning:
      "Content-Security-Policy of `pb_public` pages and every other non-API path (helmet 8's default). `upgrade-insecure-requests` is only sent on HTTPS responses.",
    parse: cspOrOff,
  }),
  cspAdmin: defineVar({
    name: "PB_CSP_ADMIN",
    default: ADMIN_CSP,
    example: "off",
    meaning:
      "Content-Security-Policy of the admin UI `/_/`: PocketBase's own policy (v0.31 to v0.40) made stricter. `off` leaves PocketBase's built-in one.",
    parse: cspOrOff,
  }),
  cspFiles: defineVar({
    name: "PB_CSP_FILES",
    default: FILES_CSP,
    example: "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    meaning:
      "Content-Security-Policy of record files `/api/files/...` (PocketBase's own sandbox policy, now also on their errors). `off` leaves PocketBase's.",
    parse: cspOrOff,
  }),
  hsts: defineVar({
    name: "PB_HSTS",
    default: DEFAULT_HSTS,
    example: "max-age=63072000; includeSubDomains; preload",
    meaning:
      "Strict-Transport-Security, sent only on HTTPS requests (TLS in PocketBase, or `X-Forwarded-Proto: https` when PocketBase's trusted-proxy headers are configured). `force` sends it on every response (a proxy pb-ops cannot detect terminates TLS).",
    parse: hstsValue,
  }),
  frameOptions: defineVar({
    name: "PB_X_FRAME_OPTIONS",
    default: "auto",
    example: "DENY",
    meaning:
      "X-Frame-Options. `auto`: `DENY` for the API and the admin UI, `SAMEORIGIN` for `pb_public` (helmet's default), none for record files (embeddable, as PocketBase v0.40 does; PocketBase v0.40 also deletes an explicit value on file downloads: use `frame-ancestors` in PB_CSP_FILES to restrict framing of files).",
    parse: oneOf(["auto", "DENY", "SAMEORIGIN", OFF] as const),
  }),
  referrerPolicy: defineVar({
    name: "PB_REFERRER_POLICY",
    default: "no-referrer",
    example: "strict-origin-when-cross-origin",
    meaning:
      "Referrer-Policy. The default is sent on pages (pb_public, the admin UI, files), not on /api/ JSON where it does nothing; a value you set is sent on every response.",
    parse: referrerPolicyValue,
  }),
  coop: defineVar({
    name: "PB_COOP",
    default: "same-origin",
    example: "same-origin-allow-popups",
    meaning:
      "Cross-Origin-Opener-Policy (PocketBase v0.40 sends `same-origin` too). The default is sent on pages, not on /api/ JSON where it does nothing; a value you set is sent on every response. `same-origin-allow-popups` if a pb_public page must keep a handle on popups it opens on other origins.",
    parse: choiceOrOff(["same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"] as const),
  }),
  corp: defineVar({
    name: "PB_CORP",
    default: "same-origin",
    example: "same-site",
    meaning:
      "Cross-Origin-Resource-Policy of everything but record files. It only stops no-cors embedding (img, script); CORS fetches are governed by PB_CORS_ORIGINS.",
    parse: choiceOrOff(["same-origin", "same-site", "cross-origin"] as const),
  }),
  corpFiles: defineVar({
    name: "PB_CORP_FILES",
    default: "cross-origin",
    example: "same-site",
    meaning:
      "Cross-Origin-Resource-Policy of record files `/api/files/...`: `cross-origin` so front ends on other origins can embed images and media.",
    parse: choiceOrOff(["same-origin", "same-site", "cross-origin"] as const),
  }),
  corsOrigins: defineVar({
    name: "PB_CORS_ORIGINS",
    default: "pocketbase",
    example: "https://app.example.com,http://localhost:5173",
    accepted:
      "`pocketbase`, `none`, or a comma-separated list of exact origins `http(s)://host[:port]` (lowercase, no path, no default port, no `*`)",
    meaning:
      "CORS allowlist pb-ops enforces for preflights and requests, replacing PocketBase's CORS middleware. `none`: no cross-origin caller. `pocketbase`: keep PocketBase's own CORS, i.e. `serve --origins`, which defaults to `*` (any site can read your API with the user's token if it has one).",
    parse: (raw: string) => (isKeyword(raw, "pocketbase") ? null : parseCorsOrigins(raw)),
  }),
  cookieSecure: defineVar({
    name: "PB_ENCRYPTION_COOKIE_SECURE",
    default: "false",
    example: "true",
    meaning:
      "Mark every cookie pb-ops sets `Secure` even when pb-ops cannot tell the request was HTTPS (a TLS proxy without trusted-proxy settings). pb-ops cookies are always HttpOnly and SameSite, and Secure on detected HTTPS.",
    parse: parseBool,
  }),
};
