// From the parsed config to the final, frozen header lists: one list per route class and per
// "request is HTTPS or not". Built once per VM; the request stage only picks a list and loops.
import type { ConfigOf } from "../config/load";
import { headerVars } from "./config";
import type { ManagedHeader } from "./defaults";
import { ROUTE_CLASSES, type RouteClass } from "./route-class";
import { OFF } from "./values";

export type HeadersConfig = ConfigOf<{ headers: typeof headerVars }>["headers"];

export type HeaderList = ReadonlyArray<readonly [ManagedHeader, string]>;

export interface ClassHeaders {
  /** For requests not known to be HTTPS. */
  readonly plain: HeaderList;
  /** For HTTPS requests (adds HSTS and the CSP's upgrade-insecure-requests). */
  readonly secure: HeaderList;
}

export interface HeaderPlan {
  /** False when PB_SECURITY_HEADERS=off: pb-ops sets nothing and PocketBase's own headers stay. */
  readonly enabled: boolean;
  readonly classes: Readonly<Record<RouteClass, ClassHeaders>>;
  /** Whether any class differs between plain and secure; if not, HTTPS need not be detected. */
  readonly httpsMatters: boolean;
}

const UPGRADE = "upgrade-insecure-requests";

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
export const DOCUMENT_ONLY: ReadonlySet<ManagedHeader> = new Set<ManagedHeader>([
  "Cross-Origin-Opener-Policy",
  "Origin-Agent-Cluster",
  "Referrer-Policy",
  "X-DNS-Prefetch-Control",
  "X-Permitted-Cross-Domain-Policies",
  "X-XSS-Protection",
]);

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

export function buildHeaderPlan(cfg: HeadersConfig): HeaderPlan {
  const disabled = new Set<string>(cfg.disabled);
  // Page-only headers whose value the operator chose: sent on the API class too (DOCUMENT_ONLY).
  const explicit = new Set<ManagedHeader>();
  if (cfg.coop !== headerVars.coop.default) explicit.add("Cross-Origin-Opener-Policy");
  if (cfg.referrerPolicy !== headerVars.referrerPolicy.default) explicit.add("Referrer-Policy");
  const cspByClass: Record<RouteClass, string> = { api: cfg.csp, files: cfg.cspFiles, admin: cfg.cspAdmin, public: cfg.cspPublic };
  // `auto` sends no X-Frame-Options on record files: PocketBase v0.40 deletes it there itself so
  // front ends can embed uploads (apis/file.go), and a file's sandbox CSP already stops it running
  // anything. pb-ops follows that on every version rather than differ between them.
  const frameByClass: Record<RouteClass, string> =
    cfg.frameOptions === "auto" ? { api: "DENY", admin: "DENY", files: OFF, public: "SAMEORIGIN" } : { api: cfg.frameOptions, admin: cfg.frameOptions, files: cfg.frameOptions, public: cfg.frameOptions };

  // `off` in the config means "do not send"; X-DNS-Prefetch-Control's own value is also "off", so
  // absence is `undefined` here, never the string.
  const sent = (v: string): string | undefined => (v === OFF ? undefined : v);
  const listFor = (cls: RouteClass, secure: boolean): HeaderList => {
    const csp = sent(cspByClass[cls]);
    const entries: Array<[ManagedHeader, string | undefined]> = [
      ["Content-Security-Policy", csp !== undefined && !secure ? withoutUpgrade(csp) : csp],
      ["Cross-Origin-Opener-Policy", sent(cfg.coop)],
      ["Cross-Origin-Resource-Policy", sent(cls === "files" ? cfg.corpFiles : cfg.corp)],
      ["Origin-Agent-Cluster", "?1"],
      ["Referrer-Policy", sent(cfg.referrerPolicy)],
      ["Strict-Transport-Security", cfg.hsts !== OFF && (secure || cfg.hsts.force) ? cfg.hsts.value : undefined],
      ["X-Content-Type-Options", "nosniff"],
      ["X-DNS-Prefetch-Control", "off"],
      ["X-Frame-Options", sent(frameByClass[cls])],
      ["X-Permitted-Cross-Domain-Policies", "none"],
      // The XSS auditor it controls is gone, and `1; mode=block` (PocketBase's value) enabled
      // cross-site leaks in the browsers that had one; 0 is helmet's and OWASP's advice.
      ["X-XSS-Protection", "0"],
    ];
    const kept: Array<readonly [ManagedHeader, string]> = [];
    for (const [name, value] of entries) {
      if (value === undefined || disabled.has(name) || (cls === "api" && DOCUMENT_ONLY.has(name) && !explicit.has(name))) continue;
      kept.push(Object.freeze([name, value] as const));
    }
    return Object.freeze(kept);
  };

  const classes = {} as Record<RouteClass, ClassHeaders>;
  let httpsMatters = false;
  for (const cls of ROUTE_CLASSES) {
    const plain = listFor(cls, false);
    const secure = listFor(cls, true);
    if (JSON.stringify(plain) !== JSON.stringify(secure)) httpsMatters = true;
    classes[cls] = Object.freeze({ plain, secure });
  }
  return Object.freeze({ enabled: cfg.enabled, classes: Object.freeze(classes), httpsMatters });
}
