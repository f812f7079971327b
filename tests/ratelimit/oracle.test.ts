// Differential test: src/ratelimit/bucket.ts against Go's golang.org/x/time/rate (the semantics the
// issue asks for), on thousands of random sequences of rate, burst, cost and time. The Go side is a
// small program in tests/oracle/ratelimit built here with the machine's `go` from the module proxy
// (pinned by its go.sum) into pb-ops's binary cache, so CI builds it itself on a clean clone.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { binPath, cacheDir } from "../../scripts/binaries.mjs";
import { allowN, type BucketState } from "../../src/ratelimit/bucket";
import { ROOT } from "../../toolkit/paths";
import { prng } from "../harness/prng";

const ORACLE_SRC = join(ROOT, "tests", "oracle", "ratelimit");
const BASE_MS = 1_700_000_000_000; // the oracle's time origin (time.UnixMilli in main.go)

/** Builds the oracle once per source version (the hash of its files names the binary). */
function oracleBinary(): string {
  const hash = createHash("sha256");
  for (const f of ["main.go", "go.mod", "go.sum"]) hash.update(readFileSync(join(ORACLE_SRC, f)));
  const target = binPath(`ratelimit-oracle-${hash.digest("hex").slice(0, 12)}`);
  if (existsSync(target)) return target;
  mkdirSync(join(cacheDir(), "bin"), { recursive: true });
  const tmp = `${target}.build-${process.pid}`;
  // Not under /tmp or ~/.cache: see scripts/binaries.mjs (keeps the cache in one place).
  const res = spawnSync("go", ["build", "-trimpath", "-o", tmp, "."], {
    cwd: ORACLE_SRC,
    encoding: "utf8",
    env: { ...process.env, CGO_ENABLED: "0" },
    timeout: 300_000,
  });
  if (res.status !== 0)
    throw new Error(`building the Go rate oracle failed (is Go installed?):\n${res.error ?? ""}${res.stdout}${res.stderr}`);
  renameSync(tmp, target);
  return target;
}

interface Case {
  rate: number;
  burst: number;
  ops: [number, number][];
}

function randomCase(rand: () => number): Case {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = rand();
  // Rates as users write them (count per window), awkward floats, very slow and very fast ones,
  // and zero (a bucket that never refills).
  const rate =
    pick < 0.45
      ? int(1, 200) / [1, 10, 60, 3600][int(0, 3)]!
      : pick < 0.75
        ? rand() * 50
        : pick < 0.85
          ? rand() * 0.01
          : pick < 0.95
            ? 100 + rand() * 100_000
            : 0;
  const burst = rand() < 0.05 ? 0 : rand() < 0.8 ? int(1, 20) : int(21, 1000);
  const ops: [number, number][] = [];
  let t = int(0, 5000);
  const n = int(1, 80);
  for (let i = 0; i < n; i++) {
    const step = rand();
    // Bursts at the same millisecond, small and large gaps, and now and then a clock a little behind.
    t += step < 0.3 ? 0 : step < 0.7 ? int(1, 50) : step < 0.9 ? int(51, 5000) : step < 0.97 ? int(5001, 600_000) : -int(1, 20);
    if (t < 0) t = 0;
    const c = rand();
    const cost = c < 0.7 ? 1 : c < 0.95 ? int(0, burst + 1) : int(burst, burst + 5);
    ops.push([t, cost]);
  }
  return { rate, burst, ops };
}

function runTs(c: Case): { allowed: boolean[]; tokens: number[] } {
  const allowed: boolean[] = [];
  const tokens: number[] = [];
  let state: BucketState | undefined;
  for (const [t, n] of c.ops) {
    const d = allowN({ rate: c.rate, burst: c.burst }, state, BASE_MS + t, n);
    state = d.state;
    allowed.push(d.allowed);
    tokens.push(d.tokens);
  }
  return { allowed, tokens };
}

function runGo(bin: string, cases: Case[]): { allowed: boolean[]; tokens: number[] }[] {
  const input = cases.map((c) => JSON.stringify(c)).join("\n") + "\n";
  const res = spawnSync(bin, [], { input, encoding: "utf8", maxBuffer: 1 << 28, timeout: 60_000 });
  if (res.status !== 0) throw new Error(`oracle failed: ${res.stderr}`);
  return res.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

describe("token bucket vs golang.org/x/time/rate (Limiter.AllowN at explicit times)", () => {
  it("agrees on every decision and every token count over 5,000 random sequences", { timeout: 300_000 }, () => {
    const bin = oracleBinary();
    const rand = prng(0x5eed);
    const cases = Array.from({ length: 5000 }, () => randomCase(rand));
    const expected = runGo(bin, cases);
    expect(expected).toHaveLength(cases.length);
    let ops = 0;
    let denied = 0;
    for (let i = 0; i < cases.length; i++) {
      const got = runTs(cases[i]!);
      const want = expected[i]!;
      for (let j = 0; j < want.allowed.length; j++) {
        ops++;
        if (!want.allowed[j]) denied++;
        if (got.allowed[j] !== want.allowed[j] || got.tokens[j] !== want.tokens[j]) {
          throw new Error(
            `case ${i} op ${j} differs: ts allowed=${got.allowed[j]} tokens=${got.tokens[j]}, go allowed=${want.allowed[j]} tokens=${want.tokens[j]}\n${JSON.stringify(cases[i])}`,
          );
        }
      }
    }
    // The random mix must exercise both outcomes heavily, or agreement would prove little.
    expect(ops).toBeGreaterThan(150_000);
    expect(denied / ops).toBeGreaterThan(0.2);
    expect(denied / ops).toBeLessThan(0.8);
  });

  it("agrees on hand-picked edges: cost above burst, zero burst, zero rate, sub-nanosecond deficit", () => {
    const bin = oracleBinary();
    const cases: Case[] = [
      {
        rate: 1,
        burst: 3,
        ops: [
          [0, 4],
          [0, 3],
          [0, 1],
          [999, 1],
          [1000, 1],
        ],
      },
      {
        rate: 5,
        burst: 0,
        ops: [
          [0, 0],
          [0, 1],
          [10_000, 1],
        ],
      },
      {
        rate: 0,
        burst: 2,
        ops: [
          [0, 1],
          [0, 1],
          [0, 1],
          [1e9, 1],
        ],
      },
      // Ten refills of 0.1 (cost-0 requests update the bucket) sum to 0.9999999999999999: the deficit
      // is worth less than a nanosecond, so Go allows the next request and goes a hair negative.
      {
        rate: 0.1,
        burst: 1,
        ops: [[0, 1], ...Array.from({ length: 10 }, (_, i): [number, number] => [(i + 1) * 1000, 0]), [10_000, 1], [10_001, 1]],
      },
      {
        rate: 0.1,
        burst: 5,
        ops: [
          [10_000, 5],
          [9_000, 1],
          [30_000, 2],
          [29_999, 1],
        ],
      },
    ];
    const want = runGo(bin, cases);
    cases.forEach((c, i) => {
      expect(runTs(c), JSON.stringify(c)).toEqual(want[i]);
    });
  });
});
