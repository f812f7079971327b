// Token bucket with the exact semantics of Go's golang.org/x/time/rate Limiter.AllowN: a bucket of
// `burst` tokens, initially full, refilled lazily at `rate` tokens per second, never above `burst`.
// A request of cost n is allowed when n <= burst and the bucket holds n tokens; then n are taken.
// A denied request changes nothing. The float arithmetic follows rate.go step by step (advance,
// tokensFromDuration, durationFromTokens), so decisions and token counts agree with Go to the bit
// (tests/ratelimit-oracle.test.ts checks that against the real Go package).
//
// Times are integer milliseconds (Date.now()); the state is plain numbers, so it can live in
// PocketBase's shared store and be read by any VM.

export interface Limit {
  /** Tokens added per second; 0 means never refilled. */
  readonly rate: number;
  /** Bucket size: the most tokens it holds, and the largest cost ever allowed. */
  readonly burst: number;
}

/** A bucket that has been used. A bucket never used (or evicted while full) is simply full. */
export interface BucketState {
  readonly tokens: number;
  /** Time of the last allowed request (Go's `lim.last`), ms. */
  readonly lastMs: number;
}

export interface Decision {
  readonly allowed: boolean;
  /** State after the request; unchanged when denied (undefined stays undefined: still fresh). */
  readonly state: BucketState | undefined;
  /** Tokens in the bucket after the request (denied: the tokens available at `nowMs`). */
  readonly tokens: number;
}

/**
 * Go's `d.Seconds()` for an elapsed time of `ms` milliseconds (ms >= 0): whole seconds plus the
 * nanosecond remainder divided by 1e9, exactly as Duration.Seconds computes it.
 */
export function secondsOf(ms: number): number {
  const sec = Math.floor(ms / 1000);
  const nsec = (ms - sec * 1000) * 1e6;
  return sec + nsec / 1e9;
}

/** Tokens at `nowMs` (Go's `advance`): refilled since the last allowed request, capped at burst. */
export function tokensAt(limit: Limit, state: BucketState | undefined, nowMs: number): number {
  if (!state) return limit.burst;
  // A clock that went backwards (another VM's Date.now() a millisecond behind) adds nothing.
  const last = nowMs < state.lastMs ? nowMs : state.lastMs;
  const delta = limit.rate <= 0 ? 0 : secondsOf(nowMs - last) * limit.rate;
  const tokens = state.tokens + delta;
  return tokens > limit.burst ? limit.burst : tokens;
}

/** AllowN(t, n) of golang.org/x/time/rate with a finite rate. */
export function allowN(limit: Limit, state: BucketState | undefined, nowMs: number, n: number): Decision {
  const available = tokensAt(limit, state, nowMs);
  const after = available - n;
  // Go allows when the wait for the missing tokens, truncated to whole nanoseconds, is zero:
  // time.Duration((-tokens / limit) * 1e9) <= 0. So a deficit under a nanosecond's worth of tokens
  // still passes, and the bucket goes that tiny bit negative.
  let wait = 0;
  if (after < 0) wait = limit.rate <= 0 ? Infinity : Math.trunc((-after / limit.rate) * 1e9);
  if (n <= limit.burst && wait <= 0) {
    return { allowed: true, state: { tokens: after, lastMs: nowMs }, tokens: after };
  }
  return { allowed: false, state, tokens: available };
}

/** Milliseconds from `nowMs` until `n` tokens are available (0 if they already are). */
export function msUntilTokens(limit: Limit, tokens: number, n: number): number {
  if (tokens >= n) return 0;
  if (limit.rate <= 0 || n > limit.burst) return Infinity;
  return ((n - tokens) / limit.rate) * 1000;
}

/**
 * When the bucket will be full again if nobody uses it. A full bucket is the same as a fresh one,
 * so from that moment its state can be dropped; the bounded table evicts the soonest-full first.
 */
export function fullAtMs(limit: Limit, state: BucketState): number {
  if (state.tokens >= limit.burst) return state.lastMs;
  if (limit.rate <= 0) return Infinity;
  return state.lastMs + ((limit.burst - state.tokens) / limit.rate) * 1000;
}
