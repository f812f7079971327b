// Where the buckets live, as the take sees it: shards of the bucket table (table.ts), each replaced
// in one atomic step. In PocketBase that is $app.store() (src/adapter/ratelimit.ts: one setFunc per
// take); in Node tests, a Map. Pure: the take below is the same code on both.
import type { Limit } from "./bucket";
import { shardOrNew, takeInto, type Shard, type TakeOut } from "./table";

export interface BucketStore {
  /**
   * Replaces the shard at `shardKey` with `fn(old)` as one atomic step across VMs (`old` is null or
   * undefined when there is none yet). `fn` runs exactly once, before update returns, and must not
   * call the store (the store's lock is held).
   */
  update(shardKey: string, fn: (old: Shard | null | undefined) => Shard): void;
}

/** Takes `cost` tokens from bucket `key` in shard `shardKey`; the outcome is valid until the next take. */
export type Take = (shardKey: string, key: string, limit: Limit, cost: number, cap: number) => TakeOut;

/**
 * A take over `store`, made once per VM. Hot path: per take it makes no object and no closure (a
 * closure per request costs more in goja: each is converted to a Go func anew, ~1.5 us measured);
 * the arguments reach the callback through this taker's variables, since a VM runs one request at a
 * time and the store calls back before update returns. `now` is read under the store's lock: a VM
 * that waited for the lock must not apply an older time after a newer one
 * (tests/ratelimit/concurrency.integration.test.ts caught 65% over-admission that way).
 */
export function bucketTaker(store: BucketStore, now: () => number): Take {
  let takeKey = "";
  let takeLimit: Limit = { rate: 0, burst: 0 };
  let takeCost = 0;
  let takeCap = 0;
  let done = false;
  const out: TakeOut = { allowed: false, tokens: 0, evicted: 0 };
  const underLock = (old: Shard | null | undefined): Shard => {
    const shard = shardOrNew(old);
    takeInto(out, shard, takeKey, takeLimit, now(), takeCost, takeCap);
    done = true;
    return shard;
  };
  return (shardKey, key, limit, cost, cap) => {
    takeKey = key;
    takeLimit = limit;
    takeCost = cost;
    takeCap = cap;
    done = false;
    store.update(shardKey, underLock);
    if (!done) throw new Error("pb-ops rate limit: the store did not run the update");
    return out;
  };
}
