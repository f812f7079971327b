// Which requests belong to the admin surface. Pure: the adapter passes Go's decoded
// `e.request.url.path` and the superusers collection id.
//
// Why the path is read this way: Go's net/http ServeMux (which PocketBase's router builds on)
// matches the DECODED path segment by segment (`/%5F/` is `/_/`), answers unclean paths (`//`,
// `/./`, `/../`) with a 301 to the cleaned path before any middleware runs, and matches literal
// segments case-sensitively. PocketBase then finds the collection in `/api/collections/{collection}`
// with Go's strings.EqualFold on the name (Unicode simple folding: `ſ` U+017F is `s`) or an exact
// id match. So the classifier cleans the path like the mux, folds case like EqualFold, and also
// tries one more percent-decoding: matching too much is harmless (a refused request answers
// exactly like an unknown path, which is what the mux would have answered anyway), matching too
// little is a bypass.

/** Id of the `_superusers` collection: "pbc_" + crc32("auth" + "_superusers"), fixed since v0.23. */
export const SUPERUSERS_ID = "pbc_3142635823";
export const SUPERUSERS_NAME = "_superusers";

export type Surface = "ui" | "superusers";

/** Go path.Clean semantics for an absolute URL path, keeping a trailing slash like ServeMux does. */
export function cleanPath(p: string): string {
  if (p === "") return "/";
  if (p[0] !== "/") p = "/" + p;
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  let cleaned = "/" + out.join("/");
  const endsWithSlash = p.endsWith("/") || p.endsWith("/.") || p.endsWith("/..");
  if (endsWithSlash && cleaned !== "/") cleaned += "/";
  return cleaned;
}

/**
 * Case folding that covers what Go's strings.EqualFold treats as equal for ASCII targets:
 * lower-casing plus the two non-ASCII letters whose simple-fold orbit contains an ASCII letter,
 * `ſ` (U+017F, long s) and `K` (U+212A, Kelvin sign; toLowerCase already maps it to `k`).
 */
export function foldCase(s: string): string {
  const l = s.toLowerCase();
  // The replace scans the string even when there is nothing to replace (a few us per request in goja).
  return l.indexOf("\u017f") < 0 ? l : l.replace(/\u017f/g, "s");
}

function decodeOnce(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

function classifyClean(p: string, superusersIds: readonly string[]): Surface | null {
  const f = foldCase(p);
  if (f === "/_" || f.startsWith("/_/")) return "ui";
  const segs = f.split("/");
  // ["", "api", "collections" | "files", "<collection>", ...]
  if (segs[1] === "api" && (segs[2] === "collections" || segs[2] === "files") && segs.length >= 4) {
    const c = segs[3]!;
    if (c === SUPERUSERS_NAME || superusersIds.some((id) => foldCase(id) === c)) return "superusers";
  }
  return null;
}

/**
 * Classifies a decoded request path: `ui` for `/_` and everything below `/_/` (the admin UI),
 * `superusers` for anything addressing the superusers collection under `/api/collections/` or
 * `/api/files/` (auth-with-password, auth-with-otp, request-otp, auth-with-oauth2, auth-refresh,
 * auth-methods, impersonate, password reset, records), by name or id; null otherwise.
 */
export function classifyPath(path: string, superusersIds: readonly string[] = [SUPERUSERS_ID]): Surface | null {
  const candidates = [path, decodeOnce(path)];
  for (const c of candidates) {
    const s = classifyClean(cleanPath(c), superusersIds) ?? classifyClean(c, superusersIds);
    if (s) return s;
  }
  return null;
}

// ---------------------------------------------------------------- from PocketBase's own routing
//
// At request time the gate does not guess from the path string: Go's ServeMux has already routed
// the request, so the matched pattern (`Request.Pattern`, Go 1.23+, both supported versions) and
// the `{collection}` path value say what PocketBase will do with it. These helpers read them.

/** The path part of a mux pattern (`GET /_/{path...}` -> `/_/{path...}`). */
function patternPath(pattern: string): string {
  const sp = pattern.indexOf(" ");
  return sp < 0 ? pattern : pattern.slice(sp + 1);
}

/** The admin UI's routes: PocketBase's `GET /_/{path...}` and pb-ops's exact `GET /_`. */
export function isAdminUiPattern(pattern: string): boolean {
  const p = patternPath(pattern);
  return p === "/_" || p.startsWith("/_/");
}

/**
 * True when `collection` (a `{collection}` path value, already decoded by Go) names the superusers
 * collection the way PocketBase's FindCachedCollectionByNameOrId resolves it: the id exactly, or
 * the name under strings.EqualFold.
 */
export function isSuperusersRef(collection: string, superusersIds: readonly string[]): boolean {
  if (collection === "") return false;
  for (const id of superusersIds) if (collection === id) return true;
  return collection.length <= 2 * SUPERUSERS_NAME.length && foldCase(collection) === SUPERUSERS_NAME;
}

/**
 * The admin surface a routed request is on: `ui` for the admin UI's routes (`/_/{path...}` and
 * pb-ops's exact `/_`), `superusers` for any route whose `{collection}` is the superusers
 * collection; null otherwise (including the catch-all, which PocketBase answers as a miss anyway).
 */
export function surfaceOfRoute(pattern: string, collection: string, superusersIds: readonly string[]): Surface | null {
  if (isAdminUiPattern(pattern)) return "ui";
  return isSuperusersRef(collection, superusersIds) ? "superusers" : null;
}

/** PocketBase's catch-all routes: `GET /{path...}` (pb_public / 404) and `/` (any other method). */
export function isCatchAll(pattern: string): boolean {
  const p = patternPath(pattern);
  return p === "/{path...}" || p === "/";
}

/**
 * The unknown page of the same shape as a refused admin UI path: the first segment (`_`) replaced
 * by `name`, the rest kept, so PocketBase's catch-all (pb_public, its 404, an SPA's index.html)
 * answers it exactly as it answers that miss.
 */
export function uiMissPath(path: string, name: string): string {
  const slash = path.indexOf("/", 1);
  return slash < 0 ? `/${name}` : `/${name}${path.slice(slash)}`;
}

/**
 * The collection segment of an API path (`/api/collections/{c}/...`, `/api/files/{c}/...`) after
 * one percent-decoding, as PocketBase's router would give it; "" when the path has none. For batch
 * sub-requests, whose URLs are plain strings.
 */
export function collectionSegmentOf(url: string): { collection: string; index: number; path: string; query: string } | null {
  const q = url.search(/[?#]/);
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? "" : url.slice(q);
  const path = decodeOnce(rawPath);
  const segs = path.split("/");
  if (segs[1] !== "api" || (segs[2] !== "collections" && segs[2] !== "files") || !segs[3]) return null;
  return { collection: segs[3], index: 3, path, query };
}

/** `url` with its collection segment replaced (see collectionSegmentOf). */
export function withCollection(url: string, name: string): string {
  const c = collectionSegmentOf(url);
  if (!c) return url;
  const segs = c.path.split("/");
  segs[c.index] = name;
  return segs.join("/") + c.query;
}

/**
 * Whether a URL part mentions the secret admin path in any form a near miss takes: another letter
 * case, a trailing slash, encoding, or a truncated or extended copy (its first or last 12
 * characters). Such a request must never reach a log with its path in clear.
 */
export function mentionsSecret(text: string, secretPath: string): boolean {
  if (text === "") return false;
  if (secretPath !== lastSecret) {
    // The secret is fixed per process: its folded ends are worked out once, not per request.
    const body = foldCase(secretPath.slice(1));
    secretHead = body.slice(0, 12);
    secretTail = body.slice(-12);
    lastSecret = secretPath;
  }
  const t = foldCase(text.indexOf("%") >= 0 ? decodeOnce(text) : text);
  if (t.indexOf(secretHead) >= 0) return true;
  return t.indexOf(secretTail) >= 0;
}

let lastSecret: string | undefined;
let secretHead = "";
let secretTail = "";
