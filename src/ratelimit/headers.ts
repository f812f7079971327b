// Response header values (draft-ietf-httpapi-ratelimit-headers, structured fields):
//   RateLimit-Policy: "name";q=COUNT;w=WINDOW   the rule as written (precomputed per rule)
//   RateLimit: "name";r=REMAINING;t=SECONDS      tokens left (whole) and seconds until the bucket is full
//   Retry-After: SECONDS                         on 429: until the request's cost is available
// For a token bucket the policy advertises the sustained rate (COUNT per WINDOW); `r` never exceeds
// the bucket size (burst), and `t` is when the quota is fully restored.
import { msUntilTokens, type Limit } from "./bucket";

export function rateLimitHeader(name: string, limit: Limit, tokens: number): string {
  const remaining = tokens > 0 ? Math.floor(tokens) : 0;
  const t = Math.ceil(msUntilTokens(limit, tokens, limit.burst) / 1000);
  // `t - t === 0`: Number.isFinite for a number, without goja building Number's statics in a new VM.
  return `"${name}";r=${remaining};t=${t - t === 0 ? t : 0}`;
}

/** Whole seconds, at least 1, until `cost` tokens are available (HTTP Retry-After delta-seconds). */
export function retryAfterSeconds(limit: Limit, tokens: number, cost: number): number {
  const ms = msUntilTokens(limit, tokens, cost);
  if (!Number.isFinite(ms)) return 86_400; // a bucket that never refills: tell clients to go away for a day
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Puts one policy's member into a structured-field list header value, replacing an earlier member
 * of the same name: a route that calls rateLimit() twice for one name, or alongside the
 * middleware's rule, still sends one member per policy.
 */
export function withMember(existing: string, name: string, member: string): string {
  if (!existing) return member;
  const prefix = `"${name}";`;
  const kept = existing.split(/,\s*/).filter((m) => m !== "" && !m.startsWith(prefix));
  kept.push(member);
  return kept.join(", ");
}
