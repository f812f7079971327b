// Per-VM counts and their merge into the shared total. Pure: the adapter keeps a Local per VM,
// records each request into it (a few array increments) and merges it into $app.store() about
// once a second (src/adapter/metrics.ts).
import { bucketSlot, methodIndex, OFF_429, OFF_SUM_MS, requestSlot, routeIndex, SLOTS, statusIndex } from "./layout";

/** Labelled counters whose labels are not fixed (rate-limit rule names, gate reasons): at most this many. */
export const MAX_EXTRA_KEYS = 256;

export interface Local {
  counts: number[];
  /** `rl\u0000<decision>\u0000<rule>` and `gate\u0000<reason>` -> count. */
  extra: Record<string, number>;
  extraKeys: number;
  pending: number;
}

export interface Totals {
  counts: number[];
  extra: Record<string, number>;
}

export function newLocal(): Local {
  return { counts: zeros(), extra: {}, extraKeys: 0, pending: 0 };
}

function zeros(): number[] {
  const a = new Array<number>(SLOTS);
  for (let i = 0; i < SLOTS; i++) a[i] = 0;
  return a;
}

export interface RequestFacts {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** "allowed" | "limited" | "exempt", with its rule. */
  rateLimit?: string;
  rateLimitRule?: string;
  /** The admin gate's verdict ("pass", "opened" or a refusal reason). */
  adminGate?: string;
}

export function record(l: Local, f: RequestFacts): void {
  const r = routeIndex(f.path);
  const c = l.counts;
  c[requestSlot(methodIndex(f.method), statusIndex(f.status), r)]! += 1;
  c[bucketSlot(r, f.durationMs)]! += 1;
  c[OFF_SUM_MS + r]! += f.durationMs;
  if (f.status === 429) c[OFF_429 + r]! += 1;
  if (f.rateLimit !== undefined) addExtra(l, `rl\u0000${f.rateLimit}\u0000${f.rateLimitRule ?? ""}`);
  const g = f.adminGate;
  if (g !== undefined && g !== "pass") addExtra(l, g === "opened" ? "gateopen" : `gate\u0000${g}`);
  l.pending++;
}

function addExtra(l: Local, key: string): void {
  const n = l.extra[key];
  if (n !== undefined) l.extra[key] = n + 1;
  else {
    l.extra[key] = 1;
    l.extraKeys++;
  }
}

/** Adds a VM's counts to the shared totals (JSON text in the store) and returns the new text. */
export function mergeInto(shared: string | undefined, l: Local): string {
  const t = parseTotals(shared);
  const c = t.counts;
  const lc = l.counts;
  for (let i = 0; i < SLOTS; i++) c[i]! += lc[i]!;
  let keys = Object.keys(t.extra).length;
  for (const k of Object.keys(l.extra)) {
    if (t.extra[k] !== undefined) t.extra[k]! += l.extra[k]!;
    else if (keys < MAX_EXTRA_KEYS) {
      t.extra[k] = l.extra[k]!;
      keys++;
    } else t.extra.overflow = (t.extra.overflow ?? 0) + l.extra[k]!;
  }
  return JSON.stringify(t);
}

export function reset(l: Local): void {
  const c = l.counts;
  for (let i = 0; i < SLOTS; i++) c[i] = 0;
  l.extra = {};
  l.extraKeys = 0;
  l.pending = 0;
}

export function parseTotals(raw: string | undefined | null): Totals {
  if (typeof raw !== "string" || raw === "") return { counts: zeros(), extra: {} };
  const t = JSON.parse(raw) as Totals;
  // A layout that grew across an upgrade (in-memory only, so only within one process): pad.
  for (let i = t.counts.length; i < SLOTS; i++) t.counts.push(0);
  return t;
}
