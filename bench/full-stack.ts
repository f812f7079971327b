// The pb-ops configuration the benchmark measures as "full stack": every per-request feature on,
// limits high enough that no benchmark request is rejected (we measure cost, not rejections).
export const FULL_STACK_ENV: Record<string, string> = {
  PB_LOG_ACCESS: "true",
  PB_LOG_FORMAT: "json",
};

export const FULL_STACK_FEATURES = "JSON access log on stdout, request ids";
