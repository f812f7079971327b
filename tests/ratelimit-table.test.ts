// The bounded bucket table (one store shard) and the header values.
import { describe, expect, it } from "vitest";
import { rateLimitHeader, retryAfterSeconds, withMember } from "../src/ratelimit/headers";
import { allowN, fullAtMs, type Limit } from "../src/ratelimit/bucket";
import { decodeEntry, encodeEntry, entryCount, sweep, takeFromShard, takeInto, type Shard, type TakeOut } from "../src/ratelimit/table";

const LIMIT = { rate: 0.5, burst: 5 }; // 5/10s
const T0 = 1_700_000_000_000;

describe("bucket table shard", () => {
  it("a fresh shard and key start full; the cost is taken; a denial changes nothing", () => {
    let shard: Shard | undefined;
    for (let i = 0; i < 5; i++) {
      const r = takeFromShard(shard, "k", LIMIT, T0, 1, 100);
      expect(r.decision.allowed).toBe(true);
      shard = r.shard;
    }
    const before = JSON.stringify(shard);
    const denied = takeFromShard(shard, "k", LIMIT, T0 + 1, 1, 100);
    expect(denied.decision.allowed).toBe(false);
    expect(JSON.stringify(denied.shard)).toBe(before);
    expect(takeFromShard(shard, "k", LIMIT, T0 + 2000, 1, 100).decision.allowed).toBe(true);
    expect(entryCount(shard)).toBe(1);
  });

  it("at the cap, full buckets go first, then the soonest full; a limited client keeps its bucket", () => {
    const cap = 100;
    let shard: Shard = takeFromShard(undefined, "live", LIMIT, T0, 5, cap).shard; // emptied: full at T0+10s
    for (let i = 0; i < cap - 1; i++) shard = takeFromShard(shard, `rot${i}`, LIMIT, T0 + i, 1, cap).shard; // full 2s after use
    expect(entryCount(shard)).toBe(cap);
    // 3 s later the early rotating buckets are full (dropped for free); more arrive and force a sweep.
    const r = takeFromShard(shard, "new", LIMIT, T0 + 3000, 1, cap);
    expect(r.evicted).toBeGreaterThanOrEqual(cap - Math.floor(cap * 0.9));
    expect(entryCount(r.shard)).toBeLessThanOrEqual(Math.floor(cap * 0.9) + 1);
    expect(entryCount(r.shard)).toBe(Object.keys(r.shard).length - 1);
    // Still its own bucket: 1.5 tokens refilled since it was emptied, so a cost of 2 is refused
    // (a fresh bucket would have allowed it).
    expect(r.shard.live).toBeDefined();
    expect(takeFromShard(r.shard, "live", LIMIT, T0 + 3000, 2, cap).decision.allowed).toBe(false);
  });

  it("a bucket's time never goes backwards (VMs' clocks a millisecond apart must not refill twice)", () => {
    let shard = takeFromShard(undefined, "k", LIMIT, T0 + 10_000, 5, 100).shard; // emptied at T0+10s
    // A VM that read an older clock: x/time/rate would move `last` back to T0 ...
    shard = takeFromShard(shard, "k", LIMIT, T0, 0, 100).shard;
    // ... and at T0+12s count 12 s of refill (6 tokens, capped at 5). The bucket counts 2 s: 1 token.
    expect(takeFromShard(shard, "k", LIMIT, T0 + 12_000, 2, 100).decision).toMatchObject({ allowed: false, tokens: 1 });
  });

  it("never grows past the cap, however many distinct keys arrive", () => {
    const cap = 200;
    let shard: Shard | undefined;
    for (let i = 0; i < 20_000; i++) shard = takeFromShard(shard, `ip${i}`, LIMIT, T0 + i, 1, cap).shard;
    expect(Object.keys(shard!).length - 1).toBeLessThanOrEqual(cap);
    expect(entryCount(shard)).toBe(Object.keys(shard!).length - 1);
  });

  it("entries are short strings that give back the exact state (tokens bit for bit)", () => {
    for (const tokens of [5, 0, 1 / 3, 0.9999999999999999, -1.1102230246251565e-16, 4.000000000000001]) {
      const raw = encodeEntry(tokens, T0 + 123, T0 + 123 + 2000.4);
      expect(decodeEntry(raw)).toEqual({ tokens, lastMs: T0 + 123, fullAtMs: T0 + 123 + 2001 });
    }
    expect(encodeEntry(4.5, T0, T0 + 1000).length).toBeLessThanOrEqual(24);
    expect(decodeEntry(encodeEntry(0, T0, Infinity)).fullAtMs).toBe(Infinity);
  });

  it("sweep keeps the buckets that would be full last", () => {
    const shard: Shard = { "#": 3, a: encodeEntry(4, T0, T0 + 2000), b: encodeEntry(0, T0, T0 + 10_000), c: encodeEntry(3, T0, T0 + 4000) };
    expect(sweep(shard, T0 + 1, 1)).toBe(2);
    expect(Object.keys(shard)).toEqual(["#", "b"]);
  });
});

describe("headers", () => {
  it("RateLimit: whole tokens left and seconds until full; Retry-After: until the cost is there, at least 1", () => {
    expect(rateLimitHeader("default", LIMIT, 4)).toBe('"default";r=4;t=2');
    expect(rateLimitHeader("default", LIMIT, 0.3)).toBe('"default";r=0;t=10');
    expect(rateLimitHeader("default", LIMIT, 5)).toBe('"default";r=5;t=0');
    expect(retryAfterSeconds(LIMIT, 0, 1)).toBe(2);
    expect(retryAfterSeconds(LIMIT, 0.9, 1)).toBe(1);
    expect(retryAfterSeconds(LIMIT, 0.999, 1)).toBe(1);
    expect(retryAfterSeconds(LIMIT, 0, 3)).toBe(6);
  });

  it("withMember joins policies into one list and replaces a policy's earlier member", () => {
    expect(withMember("", "sms", '"sms";r=1;t=30')).toBe('"sms";r=1;t=30');
    const both = withMember('"default";r=4;t=2', "sms", '"sms";r=1;t=30');
    expect(both).toBe('"default";r=4;t=2, "sms";r=1;t=30');
    expect(withMember(both, "sms", '"sms";r=0;t=60')).toBe('"default";r=4;t=2, "sms";r=0;t=60');
  });
});

describe("takeInto (the allocation-free take on the request path)", () => {
  // The take as it was written before (decode, allowN, fullAtMs, encode): allowN is what
  // tests/ratelimit-oracle.test.ts proves bit-exact against Go's x/time/rate.
  function reference(shard: Shard, key: string, limit: Limit, nowMs: number, cost: number): { allowed: boolean; tokens: number; entry: unknown } {
    const raw = shard[key] as string | undefined;
    const state = raw !== undefined ? decodeEntry(raw) : undefined;
    if (state && nowMs < state.lastMs) nowMs = state.lastMs;
    const d = allowN(limit, state, nowMs, cost);
    const entry = d.allowed ? encodeEntry(d.state!.tokens, d.state!.lastMs, fullAtMs(limit, d.state!)) : raw;
    return { allowed: d.allowed, tokens: d.tokens, entry };
  }

  it("decides, counts tokens and writes entries exactly as decode + allowN + encode, over random traffic", () => {
    // Deterministic pseudo-random sequence (no flaky seeds): times that go backwards by a few ms
    // (several VMs' clocks), odd rates, costs above the burst, zero-rate buckets.
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const limits: Limit[] = [{ rate: 0.5, burst: 5 }, { rate: 1000 / 3, burst: 7 }, { rate: 0, burst: 3 }, { rate: 1e-3, burst: 1 }, { rate: 100_000_000, burst: 100_000_000 }];
    for (const limit of limits) {
      const mine: Shard = { "#": 0 };
      const theirs: Shard = { "#": 0 };
      const out: TakeOut = { allowed: false, tokens: 0, evicted: 0 };
      let now = T0;
      for (let i = 0; i < 5000; i++) {
        now += Math.floor(rnd() * 900) - 3;
        const key = `k${Math.floor(rnd() * 4)}`;
        const cost = rnd() < 0.1 ? limit.burst + 1 : Math.floor(rnd() * 3);
        const want = reference(theirs, key, limit, now, cost);
        if (want.entry !== undefined && want.allowed) {
          if (theirs[key] === undefined) theirs["#"] = (theirs["#"] as number) + 1;
          theirs[key] = want.entry;
        }
        takeInto(out, mine, key, limit, now, cost, 1000);
        expect(out.allowed).toBe(want.allowed);
        expect(Object.is(out.tokens, want.tokens)).toBe(true);
        expect(mine[key]).toBe(theirs[key]);
      }
      expect(mine).toEqual(theirs);
    }
  });
});
