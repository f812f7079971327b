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
  return s.toLowerCase().replace(/\u017f/g, "s");
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
