// The bounded bucket table. One shard is a plain string-keyed object: in PocketBase it is a Go map
// held in $app.store() and reached through goja's live map wrapper, so reads, writes and deletes
// here go straight to the shared map while the store's write lock is held (setFunc). Pure: the same
// code runs on a plain object in Node tests.
//
// Entry: one short string "fullAtMs|lastMs|tokens" (see encodeEntry): the bucket state plus when
// it would be full again if unused. A string is the most compact value goja hands to Go (one
// allocation; an array becomes []interface{} with every number boxed): measured in real PocketBase,
// 100,000 entries cost about 35 MB of RSS as strings and 49 MB as 3-number arrays. fullAtMs comes
// first so a sweep reads it with one parseInt (which stops at the first "|").
// "#" holds the entry count, because counting a Go map's keys from JS would walk all of them.
import { secondsOf, type Decision, type Limit } from "./bucket";

export type Shard = Record<string, unknown>;
const COUNT = "#";

/** After a sweep at the cap, at most this share of the cap stays, so sweeps are rare (amortised). */
export const LOW_WATER = 0.9;

interface Entry {
  readonly tokens: number;
  readonly lastMs: number;
  readonly fullAtMs: number;
}

/**
 * fullAtMs (rounded up to whole ms) and lastMs (integer ms) in base 36, then `tokens` in shortest
 * round-trip decimal (Number(String(x)) === x, so the state stays bit-exact). A bucket that never
 * refills is never full: its fullAtMs is written "z" and read back as Infinity.
 */
export function encodeEntry(tokens: number, lastMs: number, fullAtMs: number): string {
  const fullAt = fullAtMs === Infinity ? "z" : Math.ceil(fullAtMs).toString(36);
  return `${fullAt}|${lastMs.toString(36)}|${tokens}`;
}

export function decodeEntry(raw: string): Entry {
  const a = raw.indexOf("|");
  const b = raw.indexOf("|", a + 1);
  const head = raw.slice(0, a);
  return { fullAtMs: head === "z" ? Infinity : parseInt(head, 36), lastMs: parseInt(raw.slice(a + 1, b), 36), tokens: Number(raw.slice(b + 1)) };
}

/** The sweep's only question, answered with one parse. */
function fullAtOf(raw: string): number {
  return raw.charCodeAt(0) === 122 /* z */ && raw.charCodeAt(1) === 124 /* | */ ? Infinity : parseInt(raw, 36);
}

export interface TakeResult {
  readonly shard: Shard;
  readonly decision: Decision;
  /** Buckets dropped by a sweep during this call. */
  readonly evicted: number;
}

/** What takeInto leaves in its `out` (one object per VM, reused: no allocation per request). */
export interface TakeOut {
  allowed: boolean;
  /** Tokens after the request (denied: the tokens available at the request's time). */
  tokens: number;
  /** Buckets dropped by a sweep during this call. */
  evicted: number;
}

/**
 * The body of the store's setFunc: one atomic read-modify-write of one bucket. `nowMs` should be
 * read under the same lock (inside the setFunc callback), so time order follows lock order, and be
 * whole milliseconds (Date.now()).
 *
 * This is allowN of bucket.ts with the same float operations in the same order (so the decisions
 * stay bit-exact with x/time/rate; tests/ratelimit-table.test.ts compares it with allowN step by
 * step), written without the intermediate objects: in goja each small object costs ~2 us, and the
 * decode, the decision and its state made four per request. The entry's fullAt part is not parsed
 * here (only a sweep needs it).
 */
export function takeInto(out: TakeOut, shard: Shard, key: string, limit: Limit, nowMs: number, cost: number, cap: number): void {
  const raw = shard[key] as string | undefined;
  const burst = limit.burst;
  const rate = limit.rate;
  let available = burst;
  if (raw !== undefined) {
    const a = raw.indexOf("|");
    const b = raw.indexOf("|", a + 1);
    const lastMs = parseInt(raw.slice(a + 1, b), 36);
    // x/time/rate moves `last` back when asked about an earlier time, and then counts the same
    // refill twice. One limiter has one clock; a bucket shared by many VMs meets several clocks a
    // millisecond apart, so here a bucket's time never goes backwards.
    if (nowMs < lastMs) nowMs = lastMs;
    const t = Number(raw.slice(b + 1)) + (rate <= 0 ? 0 : secondsOf(nowMs - lastMs) * rate);
    available = t > burst ? burst : t;
  }
  const after = available - cost;
  // Go allows when the wait for the missing tokens, truncated to whole nanoseconds, is zero.
  let wait = 0;
  if (after < 0) wait = rate <= 0 ? Infinity : Math.trunc((-after / rate) * 1e9);
  out.evicted = 0;
  if (!(cost <= burst && wait <= 0)) {
    out.allowed = false;
    out.tokens = available;
    return;
  }
  out.allowed = true;
  out.tokens = after;
  if (raw === undefined) {
    let count = shard[COUNT] as number;
    if (count >= cap) {
      out.evicted = sweep(shard, nowMs, Math.floor(cap * LOW_WATER));
      count -= out.evicted;
    }
    shard[COUNT] = count + 1;
  }
  // fullAtMs of bucket.ts, inline.
  const fullAt = after >= burst ? nowMs : rate <= 0 ? Infinity : nowMs + ((burst - after) / rate) * 1000;
  shard[key] = encodeEntry(after, nowMs, fullAt);
}

/** takeInto with a fresh result: for tests and callers off the hot path. */
export function takeFromShard(old: Shard | null | undefined, key: string, limit: Limit, nowMs: number, cost: number, cap: number): TakeResult {
  const shard: Shard = old ?? { [COUNT]: 0 };
  const raw = shard[key] as string | undefined;
  const before = raw !== undefined ? decodeEntry(raw) : undefined;
  const out: TakeOut = { allowed: false, tokens: 0, evicted: 0 };
  takeInto(out, shard, key, limit, nowMs, cost, cap);
  const state = out.allowed ? decodeEntry(shard[key] as string) : before;
  const decision: Decision = { allowed: out.allowed, state: state ? { tokens: state.tokens, lastMs: state.lastMs } : undefined, tokens: out.tokens };
  return { shard, decision, evicted: out.evicted };
}

/** A shard for takeInto: `old` as the store hands it over, or a new empty one. */
export function shardOrNew(old: Shard | null | undefined): Shard {
  return old ?? { [COUNT]: 0 };
}

/**
 * Drops every bucket that is full by now (a full bucket equals a fresh one: nothing is lost), then,
 * if still above `keep`, those that would be full soonest: they hold the least that a fresh bucket
 * would give back, and a client being limited right now (empty bucket, far fullAt) goes last.
 */
export function sweep(shard: Shard, nowMs: number, keep: number): number {
  const live: [string, number][] = [];
  let evicted = 0;
  for (const k in shard) {
    if (k === COUNT) continue;
    const fullAt = fullAtOf(shard[k] as string);
    if (fullAt <= nowMs) {
      delete shard[k];
      evicted++;
    } else live.push([k, fullAt]);
  }
  if (live.length > keep) {
    live.sort((a, b) => a[1] - b[1]);
    for (let i = 0; i < live.length - keep; i++) delete shard[live[i]![0]];
    evicted += live.length - keep;
  }
  return evicted;
}

export function entryCount(shard: Shard | null | undefined): number {
  return shard ? (shard[COUNT] as number) : 0;
}
