// Parsers for the values of security headers given by env. Each returns the exact string pb-ops will
// send (canonical form) or throws InvalidValue with a specific reason, so a typo stops boot instead
// of shipping a header the browser ignores: an unquoted `self` in a CSP is a host named "self", a
// misspelt directive is dropped, a CR/LF would split the response.
import { InvalidValue, keywordOr, listOf, oneOf, type Parser, parser } from "../config/vars";

/** `off` is accepted by every header variable: pb-ops then does not send that header. */
export const OFF = "off";
export type Off = typeof OFF;

/** RFC 9110 field-value: visible ASCII, spaces and tabs inside; never CR, LF or other controls. */
export function headerValue(raw: string): string {
  const v = raw.trim();
  if (/[\r\n]/.test(v)) throw new InvalidValue("contains CR or LF (a header value is one line)");
  if (!/^[\x20-\x7e\t]*$/.test(v)) throw new InvalidValue("contains a control or non-ASCII character");
  if (v === "") throw new InvalidValue("empty header value");
  return v;
}

/** RFC 9110 token (header names, directive names). */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Directives whose values are not source lists. */
const CSP_NON_SOURCE = new Set([
  "sandbox",
  "upgrade-insecure-requests",
  "block-all-mixed-content",
  "report-uri",
  "report-to",
  "require-trusted-types-for",
  "trusted-types",
  "webrtc",
]);

/**
 * Directives taking source lists; with CSP_NON_SOURCE, every directive pb-ops accepts. Literal
 * sets only at the top of this module: cookies.ts brings it into pb_ops/hot.js, where any top-level
 * work is done again in every new VM (a literal `new Set` is left out of the bundle when unused).
 */
const CSP_SOURCE_DIRECTIVES = new Set([
  "default-src",
  "script-src",
  "script-src-elem",
  "script-src-attr",
  "style-src",
  "style-src-elem",
  "style-src-attr",
  "img-src",
  "font-src",
  "connect-src",
  "media-src",
  "object-src",
  "frame-src",
  "child-src",
  "worker-src",
  "manifest-src",
  "fenced-frame-src",
  "base-uri",
  "form-action",
  "frame-ancestors",
]);

const CSP_KEYWORDS = new Set([
  "'self'",
  "'none'",
  "'unsafe-inline'",
  "'unsafe-eval'",
  "'strict-dynamic'",
  "'unsafe-hashes'",
  "'report-sample'",
  "'wasm-unsafe-eval'",
  "'inline-speculation-rules'",
  "'unsafe-allow-redirects'",
]);

const NONCE_OR_HASH = /^'(nonce-[A-Za-z0-9+/_=-]+|sha(256|384|512)-[A-Za-z0-9+/_-]+={0,2})'$/;
const SCHEME_SOURCE = /^[a-z][a-z0-9+.-]*:$/i;
// scheme://host:port/path with wildcards as CSP allows (*.example.com, :*).
const HOST_SOURCE = /^([a-z][a-z0-9+.-]*:\/\/)?(\*|(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:(\d{1,5}|\*))?(\/[^\s;,']*)?$/i;

function checkSource(directive: string, src: string): void {
  if (CSP_KEYWORDS.has(src.toLowerCase()) || NONCE_OR_HASH.test(src) || SCHEME_SOURCE.test(src)) return;
  // Keywords are only keywords when quoted; unquoted they silently become host names.
  if (CSP_KEYWORDS.has(`'${src.toLowerCase()}'`))
    throw new InvalidValue(`${directive}: ${src} must be quoted ('${src}'); unquoted it is a host name`);
  if (src.startsWith("'")) throw new InvalidValue(`${directive}: unknown keyword ${src}`);
  if (!HOST_SOURCE.test(src)) throw new InvalidValue(`${directive}: ${JSON.stringify(src)} is not a CSP source`);
}

/**
 * A Content-Security-Policy: `directive value...; directive ...`. Known directive names only, each
 * once; source lists checked; `'none'` alone. Returns the policy re-joined as `a; b; c`.
 */
export const cspValue: Parser<string> = parser(
  "a Content-Security-Policy (known directives separated by `;`, quoted keywords like `'self'`, no CR/LF or commas)",
  parseCsp,
);

/** A CSP variable: `off` or a policy. */
export const cspOrOff = keywordOr(OFF, cspValue, OFF);

function parseCsp(raw: string): string {
  const v = headerValue(raw);
  if (v.includes(",")) throw new InvalidValue("contains a comma (that would send two policies; separate directives with ;)");
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of v.split(";")) {
    const words = part.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue; // tolerate a trailing ';'
    const name = words[0]!.toLowerCase();
    if (!CSP_SOURCE_DIRECTIVES.has(name) && !CSP_NON_SOURCE.has(name))
      throw new InvalidValue(`unknown CSP directive ${JSON.stringify(words[0])}`);
    if (seen.has(name)) throw new InvalidValue(`directive ${name} given twice (browsers ignore the second)`);
    seen.add(name);
    const values = words.slice(1);
    if (!CSP_NON_SOURCE.has(name)) {
      if (values.length === 0) throw new InvalidValue(`${name} has no sources (write '${"none"}' to allow nothing)`);
      if (values.length > 1 && values.some((s) => s.toLowerCase() === "'none'"))
        throw new InvalidValue(`${name}: 'none' cannot be combined with other sources`);
      for (const s of values) checkSource(name, s);
    } else if (name === "upgrade-insecure-requests" || name === "block-all-mixed-content") {
      if (values.length) throw new InvalidValue(`${name} takes no value`);
    }
    out.push([name, ...values].join(" "));
  }
  if (out.length === 0) throw new InvalidValue("no directives");
  return out.join("; ");
}

export interface Hsts {
  /** The Strict-Transport-Security value, canonical (`max-age=N; includeSubDomains; preload`). */
  readonly value: string;
  /** Send it on every response, not only on HTTPS ones (e.g. behind a proxy pb-ops cannot see). */
  readonly force: boolean;
}

export const DEFAULT_HSTS = "max-age=31536000; includeSubDomains";

/**
 * PB_HSTS: `off`, or HSTS directives (`max-age=N`, `includeSubDomains`, `preload`), optionally with a
 * `force` item; `force` alone means the default directives, forced.
 */
export const hstsValue: Parser<Hsts | Off> = keywordOr(
  OFF,
  parser("`max-age=<seconds>` with optional `includeSubDomains`, `preload` and `force` separated by `;`, or `force` alone", parseHsts),
  OFF,
);

function parseHsts(raw: string): Hsts {
  headerValue(raw);
  let force = false;
  let maxAge: number | undefined;
  let sub = false;
  let preload = false;
  const items = raw
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    const low = item.toLowerCase();
    const m = /^max-age\s*=\s*"?(\d+)"?$/.exec(low);
    if (low === "force") force = true;
    else if (m) {
      if (maxAge !== undefined) throw new InvalidValue("max-age given twice");
      maxAge = Number(m[1]);
      if (maxAge > 2 ** 31 - 1) throw new InvalidValue("max-age too large");
    } else if (low === "includesubdomains") sub = true;
    else if (low === "preload") preload = true;
    else throw new InvalidValue(`unknown HSTS item ${JSON.stringify(item)}`);
  }
  if (maxAge === undefined) {
    if (sub || preload) throw new InvalidValue("max-age=<seconds> is required");
    return Object.freeze({ value: DEFAULT_HSTS, force });
  }
  if (preload && (maxAge < 31536000 || !sub))
    throw new InvalidValue("preload needs max-age>=31536000 and includeSubDomains (hstspreload.org rules)");
  const value = [`max-age=${maxAge}`, ...(sub ? ["includeSubDomains"] : []), ...(preload ? ["preload"] : [])].join("; ");
  return Object.freeze({ value, force });
}

/** One of a fixed set of values (case-insensitive), sent in the set's spelling; or `off`. */
export function choiceOrOff<const T extends string>(choices: readonly T[]): Parser<T | Off> {
  return oneOf<T | Off>([...choices, OFF]);
}

const REFERRER_POLICIES = [
  "no-referrer",
  "no-referrer-when-downgrade",
  "origin",
  "origin-when-cross-origin",
  "same-origin",
  "strict-origin",
  "strict-origin-when-cross-origin",
  "unsafe-url",
] as const;

const referrerPolicies = listOf(
  (raw) => {
    const p = raw.toLowerCase();
    if (!(REFERRER_POLICIES as readonly string[]).includes(p)) throw new InvalidValue(`unknown policy ${JSON.stringify(p)}`);
    return p;
  },
  `Referrer-Policy tokens (${REFERRER_POLICIES.join(", ")})`,
);

/** Referrer-Policy: one policy or a comma list (older browsers use the last one they know); or off. */
export const referrerPolicyValue: Parser<string | Off> = keywordOr(
  OFF,
  parser(referrerPolicies.accepted, (raw) => {
    headerValue(raw);
    return referrerPolicies(raw).join(", ");
  }),
  OFF,
);
