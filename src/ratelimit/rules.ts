// The rule grammar of PB_RATE_LIMIT, PB_RATE_LIMIT_RULES and the app-facing rateLimit() function,
// parsed once at config load into plain, precomputed rules. Pure.
//
//   rate     COUNT/WINDOW [burst=N] [cost=N] [key=ip|auth]          e.g. 100/60s, 5/1m burst=2
//   rule     [METHOD] PATH[|PATH...] [@guest|@auth] rate [name=NAME]
//   rules    rule; rule; ...   (or one rule per line)
//
// COUNT/WINDOW is a bucket of COUNT tokens refilled at COUNT per WINDOW (whole seconds: 10s, 1m,
// 1h, 1d); burst=N changes the bucket size. PATH matches that path and everything below it
// (`/api/files` matches `/api/files/x/y`), `*` matches exactly one segment. @guest / @auth limit the
// rule to requests without / with an auth token. key=auth keys the bucket by the auth record
// instead of the client address. The first matching rule decides; a request meets one bucket.
import { durationIn, InvalidValue, isKeyword } from "../config/vars";
import type { Limit } from "./bucket";

type KeyKind = "ip" | "auth";
type Audience = "any" | "guest" | "auth";

export interface RateSpec {
  readonly limit: Limit;
  /** The sustained rate as written: COUNT per WINDOW seconds (what RateLimit-Policy advertises). */
  readonly count: number;
  readonly windowS: number;
  readonly cost: number;
  readonly key: KeyKind;
}

export interface Rule extends RateSpec {
  /** Unique; names the policy in the headers and prefixes the bucket keys in the store. */
  readonly name: string;
  /** Upper-case method, or undefined for any. */
  readonly method: string | undefined;
  /** Each path as segments without the leading empty one; `*` matches any one segment. */
  readonly paths: readonly (readonly string[])[];
  readonly audience: Audience;
  /** `"name";q=COUNT;w=WINDOW`, computed once. */
  readonly policyHeader: string;
  /** The rule as written, for logs and docs. */
  readonly text: string;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const SEGMENT = /^[A-Za-z0-9._~!$&'()+,=:@%-]+$/;
const MAX_COUNT = 1_000_000_000;

/** Names of the built-in rules; user rules may not take them. */
const BUILTIN_NAMES = ["default", "superuser-auth", "auth", "auth-email"] as const;

function posInt(raw: string, what: string): number {
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_COUNT)
    throw new InvalidValue(`${what} must be a whole number from 1 to ${MAX_COUNT}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** `COUNT/WINDOW` plus options, from already split words. */
export function parseRateWords(words: readonly string[], allowKey: boolean): RateSpec & { name?: string } {
  const [first, ...opts] = words;
  const m = /^(\d+)\/(\S+)$/.exec(first ?? "");
  if (!m) throw new InvalidValue(`rate ${JSON.stringify(first ?? "")} is not COUNT/WINDOW like 100/60s`);
  const count = posInt(m[1]!, "COUNT");
  let windowMs: number;
  try {
    windowMs = durationIn(1000, 86_400_000)(m[2]!);
  } catch (err) {
    throw new InvalidValue(`window ${JSON.stringify(m[2])}: ${(err as Error).message} (1s to 1d)`);
  }
  if (windowMs % 1000 !== 0) throw new InvalidValue(`window ${JSON.stringify(m[2])} must be whole seconds`);
  let burst = count;
  let cost = 1;
  let key: KeyKind = "ip";
  let name: string | undefined;
  const seen = new Set<string>();
  for (const opt of opts) {
    const eq = opt.indexOf("=");
    const k = eq > 0 ? opt.slice(0, eq) : "";
    const v = opt.slice(eq + 1);
    if (seen.has(k)) throw new InvalidValue(`option ${k}= given twice`);
    seen.add(k);
    if (k === "burst") burst = posInt(v, "burst");
    else if (k === "cost") cost = posInt(v, "cost");
    else if (k === "key" && allowKey) {
      if (v !== "ip" && v !== "auth") throw new InvalidValue(`key=${v}: expected key=ip or key=auth`);
      key = v;
    } else if (k === "name") {
      if (!NAME.test(v)) throw new InvalidValue(`name=${v}: lower-case letters, digits, - and _ (at most 32)`);
      name = v;
    } else throw new InvalidValue(`unknown option ${JSON.stringify(opt)} (expected burst=, cost=, key=, name=)`);
  }
  // x/time/rate never allows a cost above the bucket size: such a rule would refuse every request.
  if (cost > burst) throw new InvalidValue(`cost=${cost} is above the bucket size ${burst}, so nothing would ever be allowed`);
  return { limit: { rate: count / (windowMs / 1000), burst }, count, windowS: windowMs / 1000, cost, key, name };
}

function parsePath(raw: string): string[] {
  if (!raw.startsWith("/")) throw new InvalidValue(`path ${JSON.stringify(raw)} must start with /`);
  const segs = raw.split("/").slice(1);
  if (segs[segs.length - 1] === "") segs.pop(); // `/api/files/` is `/api/files`
  for (const s of segs) {
    if (s !== "*" && !SEGMENT.test(s))
      throw new InvalidValue(`path ${JSON.stringify(raw)}: bad segment ${JSON.stringify(s)} (use * for a whole segment)`);
  }
  // A collection is matched by identity: PocketBase compares names case-insensitively, and the
  // request side is folded the same way (canonicalSegments).
  const c = collectionIndex(segs);
  if (c >= 0 && segs[c] !== "*") segs[c] = foldName(segs[c]!);
  return segs;
}

/** Case folding as Go's strings.EqualFold sees ASCII names (`ſ` U+017F is `s`, Kelvin `K` is `k`). */
function foldName(s: string): string {
  return s.toLowerCase().replace(/\u017f/g, "s");
}

/** Index of the collection segment in `["api", "collections" | "files", "<c>", ...]`, else -1. */
function collectionIndex(segs: readonly string[]): number {
  return segs[0] === "api" && (segs[1] === "collections" || segs[1] === "files") && segs.length > 2 ? 2 : -1;
}

/**
 * Segments of a request path as rules see them once PocketBase has resolved it: the collection
 * segment replaced by `collection` (the canonical name the adapter found for the `{collection}`
 * path value, by id or name), or folded when PocketBase knows no such collection.
 */
export function canonicalSegments(path: string, collection: string | undefined): string[] {
  const segs = segmentsOf(path);
  const c = collectionIndex(segs);
  if (c >= 0) segs[c] = foldName(collection ?? segs[c]!);
  return segs;
}

export function policyHeaderOf(name: string, count: number, windowS: number): string {
  return `"${name}";q=${count};w=${windowS}`;
}

/** One rule; `autoName` is used when the rule has no name= option. */
export function parseRule(text: string, autoName: string): Rule {
  const words = text.trim().split(/\s+/);
  let i = 0;
  let method: string | undefined;
  const w0 = words[0] ?? "";
  if (!w0.startsWith("/")) {
    const up = w0.toUpperCase();
    if (up !== "*" && !METHODS.has(up))
      throw new InvalidValue(`rule ${JSON.stringify(text.trim())}: ${JSON.stringify(w0)} is neither a method (GET, POST, ...) nor a path`);
    method = up === "*" ? undefined : up;
    i++;
  }
  const pathWord = words[i++];
  if (!pathWord) throw new InvalidValue(`rule ${JSON.stringify(text.trim())}: no path`);
  const paths = pathWord.split("|").map(parsePath);
  let audience: Audience = "any";
  if (words[i] === "@guest" || words[i] === "@auth") audience = words[i++]!.slice(1) as Audience;
  else if (words[i]?.startsWith("@")) throw new InvalidValue(`rule ${JSON.stringify(text.trim())}: audience must be @guest or @auth`);
  let spec: ReturnType<typeof parseRateWords>;
  try {
    spec = parseRateWords(words.slice(i), true);
  } catch (err) {
    throw new InvalidValue(`rule ${JSON.stringify(text.trim())}: ${(err as Error).message}`);
  }
  if (audience === "guest" && spec.key === "auth")
    throw new InvalidValue(`rule ${JSON.stringify(text.trim())}: key=auth with @guest (guests have no auth record)`);
  const name = spec.name ?? autoName;
  const { name: _ignored, ...rate } = spec;
  return Object.freeze({
    ...rate,
    name,
    method,
    paths,
    audience,
    policyHeader: policyHeaderOf(name, spec.count, spec.windowS),
    text: text.trim(),
  });
}

/** `rule; rule` or one per line; `none` for no rules. Names must be unique and not built-in. */
export function parseRules(raw: string, reserved: readonly string[] = BUILTIN_NAMES): readonly Rule[] {
  if (isKeyword(raw, "none")) return Object.freeze([]);
  const parts = raw.split(/[;\n]/).map((s) => s.trim());
  if (parts.some((p) => p === "")) throw new InvalidValue("empty rule (stray ; or blank line)");
  const rules = parts.map((p, i) => parseRule(p, `rule${i + 1}`));
  const names = new Set<string>(reserved);
  for (const r of rules) {
    if (names.has(r.name))
      throw new InvalidValue(`rule name ${JSON.stringify(r.name)} is used twice or is built in (${reserved.join(", ")})`);
    names.add(r.name);
  }
  return Object.freeze(rules);
}

/** Request facts a rule is matched against. `segments` = path split on `/` without the first "". */
export interface RequestFacts {
  readonly method: string;
  readonly segments: readonly string[];
  readonly authenticated: boolean;
}

function pathMatches(pattern: readonly string[], segments: readonly string[]): boolean {
  if (segments.length < pattern.length) return false;
  for (let i = 0; i < pattern.length; i++) if (pattern[i] !== "*" && pattern[i] !== segments[i]) return false;
  return true;
}

function ruleMatches(rule: Rule, req: RequestFacts): boolean {
  if (rule.method !== undefined && rule.method !== req.method) return false;
  if (rule.audience === "guest" ? req.authenticated : rule.audience === "auth" ? !req.authenticated : false) return false;
  // Indexed loops here and in firstMatch: for-of makes goja build the array iterator, in a new VM on
  // its first rate-limited request, and allocates per step.
  const paths = rule.paths;
  for (let i = 0; i < paths.length; i++) if (pathMatches(paths[i]!, req.segments)) return true;
  return false;
}

/**
 * The memo key of a request for firstMatch: every fact ruleMatches reads (the method, whether the
 * request is authenticated, the path and its `{collection}` value as spelt, which canonicalSegments
 * resolves). Built here, beside the matcher, so a fact added to a rule is added to the key too. No
 * two requests that differ in one of these facts share a key, whatever text they hold (a batch
 * sub-request names any method, paths and collections are decoded and may hold spaces): the method
 * and the collection each come after their length, and the path is the rest.
 */
export function matchMemoKey(method: string, path: string, collection: string, authenticated: boolean): string {
  return (authenticated ? "a" : "g") + method.length + " " + method + collection.length + " " + collection + path;
}

/**
 * The first rule that matches. Go serves HEAD with the GET handler (the query runs all the same),
 * so HEAD meets the rules written for GET, unless a rule names HEAD itself.
 */
export function firstMatch(rules: readonly Rule[], req: RequestFacts): Rule | undefined {
  if (req.method === "HEAD") {
    for (let i = 0; i < rules.length; i++) if (rules[i]!.method === "HEAD" && ruleMatches(rules[i]!, req)) return rules[i];
    req = { ...req, method: "GET" };
  }
  for (let i = 0; i < rules.length; i++) if (ruleMatches(rules[i]!, req)) return rules[i];
  return undefined;
}

/** Path segments as rules see them: `/api/x/` and `/api/x` both give ["api", "x"]. */
export function segmentsOf(path: string): string[] {
  const segs = path.split("/");
  segs.shift();
  if (segs[segs.length - 1] === "") segs.pop();
  return segs;
}
