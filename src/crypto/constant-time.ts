// Constant-time string equality for secrets (gate cookies, the admin path, PB_OPS_TOKEN): no early
// exit on the first differing character, so timing does not tell how much of a secret matched.
// Like Go's crypto/subtle.ConstantTimeCompare, a length mismatch returns at once: the length of a
// secret is not secret, and most requests (every path compared with PB_ADMIN_PATH) differ in
// length, so they skip a per-character loop that costs about a microsecond a character in goja.
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
