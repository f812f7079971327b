// Which header set a request gets, from its path alone (known before the handler runs).

export const ROUTE_CLASSES = ["api", "files", "admin", "public"] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

/**
 * - `admin`: PocketBase's dashboard, `/_/...` (and `/_`, which redirects there).
 * - `files`: record files and thumbnails, `/api/files/...`: embedded by front ends, maybe cross-site.
 * - `api`: everything else under `/api/` (JSON, realtime, errors).
 * - `public`: the rest: `pb_public` pages and assets, 404s outside `/api/`.
 */
export function routeClassOf(path: string): RouteClass {
  if (path === "/_" || path.startsWith("/_/")) return "admin";
  if (path.startsWith("/api/files/")) return "files";
  if (path === "/api" || path.startsWith("/api/")) return "api";
  return "public";
}
