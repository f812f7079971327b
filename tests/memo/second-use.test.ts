// The memo a new VM's first request uses without making a Map (src/memo/second-use.ts).
import { describe, expect, it } from "vitest";
import { memoGet, memoSet, newMemo } from "../../src/memo/second-use";
import { prng } from "../harness/prng";

describe("second-use memo", () => {
  it("makes no Map on the first lookup, remembers from the second on", () => {
    const m = newMemo<number>(10);
    expect(memoGet(m, "a")).toBeUndefined();
    expect(memoSet(m, "a", 1)).toBe(1);
    expect(m.map).toBeUndefined();
    expect(memoGet(m, "a")).toBeUndefined(); // the second lookup makes the Map, still empty
    memoSet(m, "a", 1);
    expect(memoGet(m, "a")).toBe(1);
    expect(memoGet(m, "b")).toBeUndefined();
  });

  it("clears when full, so it never holds more than its bound", () => {
    const m = newMemo<string>(3);
    memoGet(m, "x");
    memoGet(m, "x");
    for (let i = 0; i < 10; i++) {
      memoSet(m, `k${i}`, `v${i}`);
      expect(m.map!.size).toBeLessThanOrEqual(3);
    }
    expect(memoGet(m, "k9")).toBe("v9");
  });

  it("answers like no memo at all over random lookups (the value is always the computed one)", () => {
    const m = newMemo<number>(5);
    const rand = prng(7);
    for (let i = 0; i < 500; i++) {
      const n = Math.floor(rand() * 9);
      const k = `k${n}`;
      const want = n * 3;
      const got = memoGet(m, k) ?? memoSet(m, k, want);
      expect(got).toBe(want);
    }
  });
});
