// The ops page's history: one sample a minute (PocketBase cron), 24 hours kept. Each sample is the
// difference of the shared totals since the previous one, reduced to the charted numbers.
import { BUCKETS_MS, METHODS, NB, OFF_429, OFF_BUCKETS, requestSlot, ROUTE_CLASSES, SLOTS, STATUS_CLASSES } from "./layout";
import type { Totals } from "./counters";

/** 24 h of minute samples. */
export const RING_CAPACITY = 1440;

export interface Sample {
  /** Sample time (ms since epoch). */
  t: number;
  /** Requests per minute over the interval. */
  rpm: number;
  /** Share of 5xx among the interval's requests, in percent. */
  errPct: number;
  /** Latency quantiles (ms) over the interval, realtime connections left out; null when idle. */
  p50: number | null;
  p99: number | null;
  /** 429 answers per minute. */
  tooMany: number;
  /** Backup lag in seconds at sample time (null when unknown or unconfigured). */
  lagS: number | null;
}

export interface Ring {
  samples: Sample[];
  /** The totals at the previous sample, to take differences from. */
  prev: number[] | null;
  prevAtMs: number;
}

export function emptyRing(startedAtMs: number): Ring {
  return { samples: [], prev: null, prevAtMs: startedAtMs };
}

const REALTIME = ROUTE_CLASSES.indexOf("realtime");
const S5XX = STATUS_CLASSES.indexOf("5xx");

/** Quantile from bucket counts (upper bounds in ms), interpolated inside the bucket like Prometheus. */
export function quantileMs(buckets: number[], q: number): number | null {
  let total = 0;
  for (const n of buckets) total += n;
  if (total === 0) return null;
  const rank = q * total;
  let acc = 0;
  for (let b = 0; b < buckets.length; b++) {
    const n = buckets[b]!;
    if (acc + n >= rank && n > 0) {
      const lo = b === 0 ? 0 : BUCKETS_MS[b - 1]!;
      if (b >= BUCKETS_MS.length) return lo; // +Inf bucket: the highest finite bound
      const hi = BUCKETS_MS[b]!;
      return Math.round((lo + ((hi - lo) * (rank - acc)) / n) * 100) / 100;
    }
    acc += n;
  }
  return BUCKETS_MS[BUCKETS_MS.length - 1]!;
}

/** Adds a sample taken at `nowMs` from the current totals; keeps the last RING_CAPACITY. */
export function takeSample(ring: Ring, totals: Totals, nowMs: number, lagS: number | null): Ring {
  const cur = totals.counts;
  const prev = ring.prev ?? new Array<number>(SLOTS).fill(0);
  const d = (i: number) => Math.max(0, cur[i]! - (prev[i] ?? 0));
  let req = 0;
  let err = 0;
  for (let m = 0; m < METHODS.length; m++)
    for (let s = 0; s < STATUS_CLASSES.length; s++)
      for (let r = 0; r < ROUTE_CLASSES.length; r++) {
        const n = d(requestSlot(m, s, r));
        req += n;
        if (s === S5XX) err += n;
      }
  const buckets = new Array<number>(NB).fill(0);
  let tooMany = 0;
  for (let r = 0; r < ROUTE_CLASSES.length; r++) {
    tooMany += d(OFF_429 + r);
    if (r === REALTIME) continue;
    for (let b = 0; b < NB; b++) buckets[b]! += d(OFF_BUCKETS + r * NB + b);
  }
  const minutes = Math.max(1000, nowMs - ring.prevAtMs) / 60_000;
  const sample: Sample = {
    t: nowMs,
    rpm: Math.round((req / minutes) * 10) / 10,
    errPct: req ? Math.round((err / req) * 10000) / 100 : 0,
    p50: quantileMs(buckets, 0.5),
    p99: quantileMs(buckets, 0.99),
    tooMany: Math.round((tooMany / minutes) * 10) / 10,
    lagS,
  };
  const samples = ring.samples.concat([sample]);
  if (samples.length > RING_CAPACITY) samples.splice(0, samples.length - RING_CAPACITY);
  return { samples, prev: cur.slice(), prevAtMs: nowMs };
}
