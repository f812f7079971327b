// The pb-ops configuration the benchmark measures as "full stack": every per-request feature on,
// limits high enough that no benchmark request is rejected (we measure cost, not rejections).
export const FULL_STACK_ENV: Record<string, string> = {
  // Token bucket on every /api/ request, keyed by client address: one store update per request.
  PB_RATE_LIMIT: "100000000/1s",
  // Hidden admin path on: every request is classified against the admin surface.
  PB_ADMIN_PATH: "/bench-Qm7vX2pL9wR4tZ8nB3k",
  PB_OPS_SECRET: "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz",
  // Security headers are on by default; CORS allowlist replaces PocketBase's pbCors.
  PB_CORS_ORIGINS: "https://app.example.com",
  PB_LOG_ACCESS: "true",
  PB_LOG_FORMAT: "json",
};

export const FULL_STACK_FEATURES =
  "request ids, hidden admin gate, security headers, CORS allowlist, token-bucket rate limit (100M/s, never rejects), JSON access log on stdout (to /dev/null)";
