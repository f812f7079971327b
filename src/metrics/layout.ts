// The fixed counter layout: every request lands in a few slots of one flat array of numbers, so
// counting is index arithmetic (cheap in goja) and label sets are bounded by construction.

export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"] as const;
export const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;
export const ROUTE_CLASSES = ["api", "collections", "realtime", "ops", "files", "admin", "public"] as const;
/** Histogram upper bounds in milliseconds (request durations are whole milliseconds). */
export const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

const M = METHODS.length;
const S = STATUS_CLASSES.length;
const R = ROUTE_CLASSES.length;
/** Buckets per route class, +Inf included. */
export const NB = BUCKETS_MS.length + 1;

const OFF_REQUESTS = 0;
export const OFF_BUCKETS = OFF_REQUESTS + M * S * R;
export const OFF_SUM_MS = OFF_BUCKETS + R * NB;
export const OFF_429 = OFF_SUM_MS + R;
export const SLOTS = OFF_429 + R;

export function methodIndex(method: string): number {
  switch (method) {
    case "GET":
      return 0;
    case "HEAD":
      return 1;
    case "POST":
      return 2;
    case "PUT":
      return 3;
    case "PATCH":
      return 4;
    case "DELETE":
      return 5;
    case "OPTIONS":
      return 6;
    default:
      return 7;
  }
}

/** Route class by path prefix, finer than the header classes: realtime connections last minutes. */
export function routeIndex(path: string): number {
  if (path.charCodeAt(1) === 95 /* _ */ && (path.length === 2 || path.charCodeAt(2) === 47)) return 5;
  if (!path.startsWith("/api")) return 6;
  if (path.length === 4) return 0;
  if (path.charCodeAt(4) !== 47) return 6;
  if (path.startsWith("/api/collections/")) return 1;
  if (path.startsWith("/api/realtime")) return 2;
  if (path.startsWith("/api/ops/")) return 3;
  if (path.startsWith("/api/files/")) return 4;
  return 0;
}

export function statusIndex(status: number): number {
  const c = (status / 100) | 0;
  return c < 1 ? 0 : c > 5 ? 4 : c - 1;
}

export function requestSlot(m: number, s: number, r: number): number {
  return OFF_REQUESTS + (m * S + s) * R + r;
}

export function bucketSlot(r: number, ms: number): number {
  let b = 0;
  while (b < BUCKETS_MS.length && ms > BUCKETS_MS[b]!) b++;
  return OFF_BUCKETS + r * NB + b;
}
