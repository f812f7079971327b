// CORS allowlist: parsing PB_CORS_ORIGINS and deciding, per request, what PocketBase's own CORS
// middleware would have answered, but against an exact-origin allowlist. Pure.
import { InvalidValue, isKeyword } from "../config/vars";
import { memoGet, memoSet, newMemo } from "../memo/second-use";

/** Methods PocketBase's apis.Serve allows (apis/serve.go CORSConfig.AllowMethods). */
const CORS_ALLOW_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE";

/**
 * One origin exactly as a browser sends it in `Origin`: lowercase `http(s)://host[:port]`, no
 * default port, no path, no trailing slash. Non-canonical forms are refused rather than rewritten,
 * so the allowlist reads exactly like the header it is compared with.
 */
export function parseOrigin(raw: string): string {
  const o = raw.trim();
  if (o === "*")
    throw new InvalidValue("* is not an allowlist (leave PB_CORS_ORIGINS unset to keep PocketBase's --origins, which defaults to *)");
  if (o.includes("*")) throw new InvalidValue(`${JSON.stringify(o)}: wildcards are not allowed; list each origin`);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#@\s]+?)(?::(\d+))?(\/.*|\?.*|#.*)?$/.exec(o);
  if (!m) throw new InvalidValue(`${JSON.stringify(o)} is not an origin like https://app.example.com`);
  const [, scheme, host, port, rest] = m as unknown as [string, string, string, string | undefined, string | undefined];
  if (rest !== undefined) throw new InvalidValue(`${JSON.stringify(o)}: an origin has no path, query or trailing slash`);
  if (scheme !== "http" && scheme !== "https") throw new InvalidValue(`${JSON.stringify(o)}: scheme must be http or https (lowercase)`);
  const ipv6 = /^\[[0-9a-f:.]+\]$/.test(host);
  if (!ipv6 && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
    throw new InvalidValue(`${JSON.stringify(o)}: host must be lowercase ASCII (punycode for IDNs)`);
  }
  if (port !== undefined) {
    const n = Number(port);
    if (n < 1 || n > 65535 || String(n) !== port) throw new InvalidValue(`${JSON.stringify(o)}: bad port`);
    if ((scheme === "https" && n === 443) || (scheme === "http" && n === 80)) {
      throw new InvalidValue(`${JSON.stringify(o)}: browsers omit the default port; write ${scheme}://${host}`);
    }
  }
  return o;
}

/**
 * PB_CORS_ORIGINS: `none` (no cross-origin access at all) or a comma list of exact origins. Returns
 * the frozen list.
 */
export function parseCorsOrigins(raw: string): readonly string[] {
  if (isKeyword(raw, "none")) return Object.freeze([]);
  const parts = raw.split(",").map((s) => s.trim());
  if (parts.some((p) => p === "")) throw new InvalidValue("empty item in comma-separated list");
  const origins = parts.map(parseOrigin);
  const dup = origins.find((o, i) => origins.indexOf(o) !== i);
  if (dup) throw new InvalidValue(`${dup} listed twice`);
  return Object.freeze(origins);
}

export interface CorsRequest {
  method: string;
  /** `Origin` request header, "" when absent. */
  origin: string;
  /** `Access-Control-Request-Headers`, "" when absent. */
  requestHeaders: string;
}

export interface CorsDecision {
  /** Values to append to `Vary` (always Origin, like PocketBase). */
  readonly vary: readonly string[];
  /** Headers to set. */
  readonly set: ReadonlyArray<readonly [string, string]>;
  /** Answer the request here with this status (preflights), or undefined to go on to the handler. */
  readonly answer?: 204 | 403;
  /** For the access log: whether a cross-origin caller was allowed. Undefined without Origin. */
  readonly verdict?: "allowed" | "refused";
}

/**
 * Mirrors PocketBase's CORS middleware (apis/middlewares_cors.go) with an exact allowlist: every
 * OPTIONS is a preflight (as in PocketBase); an allowed origin gets `Access-Control-Allow-Origin:
 * <origin>` on preflights and real requests; a preflight from any other origin is refused with 403
 * and no CORS headers; a real request from another origin goes on without CORS headers (the browser
 * then refuses to expose the response; CORS is not CSRF protection and same-origin calls must keep
 * working whatever their Origin).
 */
// The answers that do not depend on the origin's value are built once per VM (this runs on every
// request), on the first CORS decision rather than at the top level (this module is in every new VM,
// CORS or not). Read-only by their types, not Object.freeze: a freeze, like a regex literal, makes
// goja build Object's statics (or RegExp) in each VM on first use, here a new VM's first request.
interface FixedAnswers {
  readonly vary: readonly string[];
  readonly sameOrigin: CorsDecision;
  readonly sameOriginPreflight: CorsDecision;
  readonly refused: CorsDecision;
  readonly refusedPreflight: CorsDecision;
}
let fixed: FixedAnswers | undefined;

function fixedAnswers(): FixedAnswers {
  if (fixed) return fixed;
  const vary: readonly string[] = ["Origin"];
  const none: ReadonlyArray<readonly [string, string]> = [];
  fixed = {
    vary,
    sameOrigin: { vary, set: none },
    sameOriginPreflight: { vary, set: none, answer: 204 },
    refused: { vary, set: none, verdict: "refused" },
    refusedPreflight: { vary, set: none, answer: 403, verdict: "refused" },
  };
  return fixed;
}

// Made on the first preflight that asks for headers.
let tokenList: RegExp | undefined;

// Its Map is made on a VM's second allowed-origin request (src/memo/second-use.ts).
const allowedAnswers = /* @__PURE__ */ newMemo<CorsDecision>(256);

/** `allowed`: the allowlist (a few origins: a list, not a Set, which goja would build in each new VM). */
export function corsDecision(allowed: readonly string[], req: CorsRequest): CorsDecision {
  const preflight = req.method === "OPTIONS" || req.method.toUpperCase() === "OPTIONS";
  const f = fixedAnswers();
  if (req.origin === "") return preflight ? f.sameOriginPreflight : f.sameOrigin;
  if (!allowed.includes(req.origin)) return preflight ? f.refusedPreflight : f.refused;
  if (!preflight) {
    // The same few allowed origins on every request: one (read-only) answer each, not three objects.
    const d = memoGet(allowedAnswers, req.origin);
    if (d !== undefined) return d;
    return memoSet(allowedAnswers, req.origin, {
      vary: f.vary,
      set: [["Access-Control-Allow-Origin", req.origin]],
      verdict: "allowed",
    });
  }
  const allowOrigin: [string, string] = ["Access-Control-Allow-Origin", req.origin];
  const set: Array<[string, string]> = [allowOrigin, ["Access-Control-Allow-Methods", CORS_ALLOW_METHODS]];
  // PocketBase echoes the requested headers; pb-ops echoes them only when they are a plain token list.
  if (
    req.requestHeaders !== "" &&
    (tokenList ??= /^\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*\s*$/).test(req.requestHeaders)
  )
    set.push(["Access-Control-Allow-Headers", req.requestHeaders.trim()]);
  return { vary: ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"], set, answer: 204, verdict: "allowed" };
}
