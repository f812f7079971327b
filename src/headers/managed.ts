// Every header pb-ops manages, one descriptor each: its name, the PB_* variables that set it, and
// how its value for a route class follows from them. PB_SECURITY_HEADERS_OFF picks from these
// names, policy.ts builds the per-class lists from these descriptors (once per VM, so the request
// path stays a precomputed list), docs/headers.md describes them. Defaults and parsers are the
// named variables' (src/headers/config.ts; the CSP defaults in src/headers/defaults.ts).
//
// helmet's `X-Download-Options: noopen` is left out: it only ever meant something to Internet
// Explorer 8, and each header costs a JSVM->Go call on every request.
import type { RouteClass } from "./route-class";
import { type Hsts, OFF, type Off } from "./values";

/** The parsed header settings a value is computed from (policy.ts fills it from the config). */
export interface HeaderInputs {
  readonly csp: Readonly<Record<RouteClass, string>>;
  readonly frame: Readonly<Record<RouteClass, string>>;
  readonly coop: string;
  readonly corp: string;
  readonly corpFiles: string;
  readonly referrerPolicy: string;
  readonly hsts: Hsts | Off;
}

export interface HeaderDescriptor {
  readonly name: string;
  /** Acts on a rendered page only: left out of the API class unless the operator chose its value (DOCUMENT_ONLY). */
  readonly page?: true;
  /** The variables that set it; empty for fixed values (only PB_SECURITY_HEADERS_OFF drops those). */
  readonly vars: readonly string[];
  /** Its value for a route class, on HTTPS or not; undefined = not sent. */
  readonly value: (h: HeaderInputs, cls: RouteClass, secure: boolean) => string | undefined;
}

const UPGRADE = "upgrade-insecure-requests";

/**
 * On a page served over http:// the browser would rewrite every http:// subresource, its own
 * included, to https://, which this server does not answer: the directive is kept for HTTPS only.
 */
function withoutUpgrade(csp: string): string {
  return csp
    .split("; ")
    .filter((d) => d !== UPGRADE)
    .join("; ");
}

/** `off` in the config means "do not send"; X-DNS-Prefetch-Control's own value is also "off", so absence is `undefined`. */
const sent = (v: string): string | undefined => (v === OFF ? undefined : v);

export const MANAGED = [
  {
    name: "Content-Security-Policy",
    vars: ["PB_CSP", "PB_CSP_PUBLIC", "PB_CSP_ADMIN", "PB_CSP_FILES"],
    value: (h, cls, secure) => {
      const csp = sent(h.csp[cls]);
      return csp !== undefined && !secure ? withoutUpgrade(csp) : csp;
    },
  },
  { name: "Cross-Origin-Opener-Policy", page: true, vars: ["PB_COOP"], value: (h) => sent(h.coop) },
  {
    name: "Cross-Origin-Resource-Policy",
    vars: ["PB_CORP", "PB_CORP_FILES"],
    value: (h, cls) => sent(cls === "files" ? h.corpFiles : h.corp),
  },
  { name: "Origin-Agent-Cluster", page: true, vars: [], value: () => "?1" },
  { name: "Referrer-Policy", page: true, vars: ["PB_REFERRER_POLICY"], value: (h) => sent(h.referrerPolicy) },
  {
    name: "Strict-Transport-Security",
    vars: ["PB_HSTS"],
    value: (h, _cls, secure) => (h.hsts !== OFF && (secure || h.hsts.force) ? h.hsts.value : undefined),
  },
  { name: "X-Content-Type-Options", vars: [], value: () => "nosniff" },
  { name: "X-DNS-Prefetch-Control", page: true, vars: [], value: () => "off" },
  { name: "X-Frame-Options", vars: ["PB_X_FRAME_OPTIONS"], value: (h, cls) => sent(h.frame[cls]) },
  { name: "X-Permitted-Cross-Domain-Policies", page: true, vars: [], value: () => "none" },
  // The XSS auditor it controls is gone, and `1; mode=block` (PocketBase's value) enabled
  // cross-site leaks in the browsers that had one; 0 is helmet's and OWASP's advice.
  { name: "X-XSS-Protection", page: true, vars: [], value: () => "0" },
] as const satisfies readonly HeaderDescriptor[];

export type ManagedHeader = (typeof MANAGED)[number]["name"];

export const MANAGED_HEADERS: readonly ManagedHeader[] = MANAGED.map((d) => d.name);

/**
 * Headers that only act on a document (a page the browser renders, its links, windows and
 * subresources): not sent on the API class. An API response is JSON that the browser never renders
 * as a page in normal use, and if someone opens one as a page it carries no PocketBase auth (tokens
 * travel in the Authorization header, not cookies) and can load nothing (the API CSP is
 * `default-src 'none'`). So on /api/ these protect nothing, and each costs a JSVM-to-Go call on every
 * request (docs/headers.md, "Which headers, where"; docs/performance.md):
 * - Cross-Origin-Opener-Policy: severs window references of a top-level page; a JSON page holds none
 *   worth reaching (no frames, no script, no auth).
 * - Origin-Agent-Cluster: process/agent keying of a page's scripts; JSON runs no script.
 * - Referrer-Policy: what a page's links and subresources send as Referer; JSON under `default-src
 *   'none'` makes no requests and has no links.
 * - X-DNS-Prefetch-Control: DNS prefetching of a page's links; JSON has none.
 * - X-Permitted-Cross-Domain-Policies: Adobe Flash/Acrobat policy files, served from the site root
 *   (public class, where it stays), never from /api/.
 * - X-XSS-Protection: the retired XSS auditor, which only ever inspected HTML pages (JSON under
 *   nosniff is never one); PocketBase's `1; mode=block` (pbSecurityHeaders) stays unbound.
 * Kept on /api/: the CSP, X-Frame-Options (framing), X-Content-Type-Options (sniffing JSON as
 * script/HTML), Cross-Origin-Resource-Policy (no-cors reads by other sites) and HSTS.
 * A value the operator set explicitly (PB_COOP, PB_REFERRER_POLICY other than the default) is still
 * sent on /api/ too: a security setting someone chose is never dropped for speed.
 */
export const DOCUMENT_ONLY: ReadonlySet<ManagedHeader> = new Set(
  MANAGED.filter((d: HeaderDescriptor) => d.page === true).map((d) => d.name as ManagedHeader),
);
