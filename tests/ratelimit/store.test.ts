// The take written against a BucketStore (src/ratelimit/store.ts), over an in-memory store: the
// same code the adapter runs over $app.store() (tests/ratelimit/*.integration.test.ts run it there).
import { describe, expect, it } from "vitest";
import type { Limit } from "../../src/ratelimit/bucket";
import { type BucketStore, bucketTaker } from "../../src/ratelimit/store";
import { entryCount, type Shard, takeFromShard } from "../../src/ratelimit/table";

/** $app.store()'s setFunc, in memory: the callback gets the old value (null when absent), its result is stored. */
class MemoryBucketStore implements BucketStore {
  readonly shards = new Map<string, Shard>();
  updates = 0;
  update(shardKey: string, fn: (old: Shard | null | undefined) => Shard): void {
    this.updates++;
    this.shards.set(shardKey, fn(this.shards.get(shardKey) ?? null));
  }
}

const LIMIT: Limit = { rate: 0.5, burst: 5 }; // 5/10s
const T0 = 1_700_000_000_000;

describe("bucketTaker over a BucketStore", () => {
  it("decides exactly as takeFromShard on the same shard, with one store update per take", () => {
    const store = new MemoryBucketStore();
    let now = T0;
    const take = bucketTaker(store, () => now);
    let reference: Shard | undefined;
    // Deterministic pseudo-random traffic over two shards and a few keys.
    let x = 99;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 2000; i++) {
      now += Math.floor(rnd() * 1500);
      const key = `k${Math.floor(rnd() * 3)}`;
      const cost = Math.floor(rnd() * 3);
      const want = takeFromShard(reference, key, LIMIT, now, cost, 100);
      reference = want.shard;
      const got = take("s0", key, LIMIT, cost, 100);
      expect(got.allowed).toBe(want.decision.allowed);
      expect(Object.is(got.tokens, want.decision.tokens)).toBe(true);
    }
    expect(store.updates).toBe(2000);
    expect(store.shards.get("s0")).toEqual(reference);
  });

  it("two takers on one store (two VMs) share the buckets; shards stay apart", () => {
    const store = new MemoryBucketStore();
    const vmA = bucketTaker(store, () => T0);
    const vmB = bucketTaker(store, () => T0);
    for (let i = 0; i < 5; i++) expect((i % 2 ? vmA : vmB)("s1", "ip", LIMIT, 1, 100).allowed).toBe(true);
    expect(vmA("s1", "ip", LIMIT, 1, 100).allowed).toBe(false);
    expect(vmB("s2", "ip", LIMIT, 1, 100).allowed).toBe(true);
    expect(entryCount(store.shards.get("s1"))).toBe(1);
    expect(entryCount(store.shards.get("s2"))).toBe(1);
  });

  it("reads the clock inside the store's update (under its lock), not before", () => {
    let now = T0;
    let lockWaitMs = 0;
    const store = new MemoryBucketStore();
    const take = bucketTaker(
      {
        update(k, fn) {
          now += lockWaitMs; // another VM held the lock this long
          store.update(k, fn);
        },
      },
      () => now,
    );
    expect(take("s", "k", LIMIT, 5, 100)).toMatchObject({ allowed: true, tokens: 0 }); // empty at T0
    // Asked at T0, granted the lock 10 s later: read before the lock, the clock says T0 and the
    // bucket is still empty; read under it, 10 s have refilled all 5 tokens.
    now = T0;
    lockWaitMs = 10_000;
    expect(take("s", "k", LIMIT, 5, 100)).toMatchObject({ allowed: true, tokens: 0 });
  });

  it("fails loudly when a store does not run the update", () => {
    const take = bucketTaker({ update() {} }, () => T0);
    expect(() => take("s", "k", LIMIT, 1, 100)).toThrow(/did not run the update/);
  });
});
