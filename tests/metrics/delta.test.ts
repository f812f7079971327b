// A VM's first request is counted as a delta line appended to the shared text (src/metrics/counters.ts
// deltaOf, appendDelta), not as a merge of the whole table: what a throwaway VM saves
// (docs/performance.md). The deltas must count exactly what merging counts, folded by every reader
// and merge, bounded in length and in labelled keys.
import { describe, expect, it } from "vitest";
import {
  appendDelta,
  DELTA_TEXT_MAX,
  deltaOf,
  MAX_EXTRA_KEYS,
  mergeInto,
  newLocal,
  parseTotals,
  record,
  type RequestFacts,
} from "../../src/metrics/counters";
import { METHODS, OFF_429 } from "../../src/metrics/layout";

const facts = (f: Partial<RequestFacts>): RequestFacts => ({ method: "GET", path: "/", status: 200, durationMs: 3, ...f });

describe("first-request deltas", () => {
  it("a first request appended as a delta counts exactly as a merged one, whatever comes before or after", () => {
    // Seeded random requests over every route class, method, status, gate verdict and rule.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const paths = ["/", "/_/", "/api/health", "/api/collections/x/records", "/api/realtime", "/api/ops/metrics", "/api/files/a/b/c"];
    const one = (): RequestFacts =>
      facts({
        method: ((m) => (m === "other" ? "PROPFIND" : m))(METHODS[rnd(METHODS.length)]!),
        path: paths[rnd(paths.length)]!,
        status: [200, 201, 302, 404, 429, 500][rnd(6)]!,
        durationMs: rnd(20000),
        ...(rnd(2) ? { rateLimit: ["allowed", "limited"][rnd(2)]!, rateLimitRule: `r${rnd(3)}` } : {}),
        ...(rnd(3) === 0 ? { adminGate: ["pass", "opened", "no-cookie"][rnd(3)]! } : {}),
      });
    const all = newLocal();
    let shared: string | undefined;
    for (let i = 0; i < 300; i++) {
      const f = one();
      record(all, f);
      if (rnd(4) === 0) {
        // a pooled VM's merge of a few requests
        const l = newLocal();
        record(l, f);
        shared = mergeInto(shared, l);
      } else shared = appendDelta(shared, deltaOf(f));
    }
    expect(parseTotals(shared)).toEqual(parseTotals(mergeInto(undefined, all)));
    // A merge folds the deltas: no delta line is left in the text it returns.
    expect(mergeInto(shared, newLocal())).not.toContain("\n");
  });

  it("the first delta on an empty store, and a text past its bound folded by the appender", () => {
    const f = facts({ status: 429, path: "/api/collections/x/records", rateLimit: "limited", rateLimitRule: "r1" });
    const l = newLocal();
    record(l, f);
    expect(parseTotals(appendDelta(undefined, deltaOf(f)))).toEqual(parseTotals(mergeInto(undefined, l)));
    let shared: string | undefined;
    const n = Math.ceil(DELTA_TEXT_MAX / deltaOf(f).length) + 10;
    for (let i = 0; i < n; i++) shared = appendDelta(shared, deltaOf(f));
    expect(shared!.length).toBeLessThanOrEqual(DELTA_TEXT_MAX);
    const t = parseTotals(shared);
    expect(t.counts[OFF_429 + 1]).toBe(n);
    expect(t.extra).toEqual({ "rl\u0000limited\u0000r1": n });
  });

  it("labelled deltas stay bounded like merged ones, and a bad duration never reaches the text", () => {
    let shared: string | undefined;
    for (let i = 0; i < MAX_EXTRA_KEYS + 5; i++)
      shared = appendDelta(shared, deltaOf(facts({ rateLimit: "allowed", rateLimitRule: `rule${i}` })));
    const t = parseTotals(shared);
    expect(Object.keys(t.extra).length).toBe(MAX_EXTRA_KEYS + 1);
    expect(t.extra.overflow).toBe(5);
    expect(() => parseTotals(appendDelta(undefined, deltaOf(facts({ durationMs: Number.NaN }))))).not.toThrow();
  });
});
