// Default CSP values (the managed headers themselves are in managed.ts), anchored on helmet 8's defaults (see docs/headers.md for the side-by-side table)
// and adapted for an API server that also serves PocketBase's admin UI, record files and pb_public.

/** JSON responses load nothing and are never framed (OWASP REST Security cheat sheet). */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** helmet 8's default CSP, for pb_public front ends. */
export const PUBLIC_CSP =
  "default-src 'self'; base-uri 'self'; font-src 'self' https: data:; form-action 'self'; frame-ancestors 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' https: 'unsafe-inline'; upgrade-insecure-requests";

/**
 * The admin UI's policy: what PocketBase's apis/serve.go sets for `/_/` in v0.31.0 and v0.40.4, made
 * stricter where the UI does not need more:
 * - kept: `'self'` everywhere, inline styles (the UI sets style attributes), data:/blob: images,
 *   the OpenStreetMap tile and geocoding hosts of the geo point field, and v0.31's one inline
 *   script by hash (`window.Prism.manual = true`; v0.40's index.html has none, the hash is inert
 *   there);
 * - dropped: `http://127.0.0.1:*` (the UI's dev server; the production UI is served from 'self');
 * - added: `frame-ancestors 'none'` (v0.31 had no frame rule), `base-uri`, `form-action`,
 *   `object-src 'none'`.
 */
export const ADMIN_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self' https://nominatim.openstreetmap.org; form-action 'self'; frame-ancestors 'none'; img-src 'self' data: blob: https://tile.openstreetmap.org; object-src 'none'; script-src 'self' 'sha256-GRUzBA7PzKYug7pqxv5rJaec5bwDCw1Vo6/IXwvD3Tc='; style-src 'self' 'unsafe-inline'";

/** PocketBase's own policy for served files (tools/filesystem Serve): user uploads run nothing. */
export const FILES_CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox";
