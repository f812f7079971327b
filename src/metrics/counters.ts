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
  for (const k of Object.keys(l.extra)) keys = addExtraTotal(t, k, l.extra[k]!, keys);
  return JSON.stringify(t);
}

/** Adds `n` to one labelled total, within MAX_EXTRA_KEYS; returns the new key count. */
function addExtraTotal(t: Totals, k: string, n: number, keys: number): number {
  if (t.extra[k] !== undefined) t.extra[k]! += n;
  else if (keys < MAX_EXTRA_KEYS) {
    t.extra[k] = n;
    return keys + 1;
  } else t.extra.overflow = (t.extra.overflow ?? 0) + n;
  return keys;
}

// A VM's FIRST request is counted as a sparse delta appended to the shared text instead of a
// merge of the whole layout: a throwaway VM (one per request once the pool is exhausted) serves
// just that one request, and a merge costs it a 392-slot array, a parse and a stringify of the
// totals (~200 us in goja, under the store's write lock). The shared text is then the totals' JSON
// followed by delta lines; every reader and every merge folds them in (parseTotals).

/** One request as a delta line: `\n[slot,n,slot,n,...,"labelled key",...]` (a string counts 1). */
export function deltaOf(f: RequestFacts): string {
  const r = routeIndex(f.path);
  // Never a non-number in the text: one bad line would make every later parse throw.
  // (`x - x === 0`: Number.isFinite for a number, without goja building Number's statics in a new VM.)
  const ms = typeof f.durationMs === "number" && f.durationMs - f.durationMs === 0 ? f.durationMs : 0;
  let line = `\n[${requestSlot(methodIndex(f.method), statusIndex(f.status), r)},1,${bucketSlot(r, ms)},1,${OFF_SUM_MS + r},${ms}`;
  if (f.status === 429) line += `,${OFF_429 + r},1`;
  if (f.rateLimit !== undefined) line += `,${JSON.stringify(`rl\u0000${f.rateLimit}\u0000${f.rateLimitRule ?? ""}`)}`;
  const g = f.adminGate;
  if (g !== undefined && g !== "pass") line += `,${JSON.stringify(g === "opened" ? "gateopen" : `gate\u0000${g}`)}`;
  return line + "]";
}

/** Past this length the appending VM folds the deltas into the totals (bounds the text and the fold). */
export const DELTA_TEXT_MAX = 32_768;

/** The shared text with one more delta: a string concatenation, unless the text has grown too long. */
export function appendDelta(shared: string | undefined, delta: string): string {
  const text = typeof shared === "string" ? shared + delta : delta;
  return text.length > DELTA_TEXT_MAX ? JSON.stringify(parseTotals(text)) : text;
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
  const nl = raw.indexOf("\n");
  const head = nl < 0 ? raw : raw.slice(0, nl);
  const t = head === "" ? { counts: zeros(), extra: {} } : (JSON.parse(head) as Totals);
  // A layout that grew across an upgrade (in-memory only, so only within one process): pad.
  for (let i = t.counts.length; i < SLOTS; i++) t.counts.push(0);
  if (nl >= 0) foldDeltas(t, raw.slice(nl + 1));
  return t;
}

/** Adds delta lines (see deltaOf) to the totals. */
function foldDeltas(t: Totals, lines: string): void {
  const c = t.counts;
  let keys = Object.keys(t.extra).length;
  for (const line of lines.split("\n")) {
    const d = JSON.parse(line) as (number | string)[];
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (typeof v === "string") keys = addExtraTotal(t, v, 1, keys);
      else {
        c[v]! += d[i + 1] as number;
        i++;
      }
    }
  }
}
