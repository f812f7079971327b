// A bounded per-VM memo whose Map is made on its second lookup, not its first. A new VM (a throwaway
// one, when the pool is exhausted, serves a single request) would otherwise make a Map it never
// reads again, and goja builds Map's prototype in each VM on its first use there (~10-35 us in a
// new VM, docs/performance.md "Closer to the floor"). Cleared when full. Pure.

export interface Memo<V> {
  map: Map<string, V> | undefined;
  /** Looked up once already (the next lookup makes the Map). */
  looked: boolean;
  readonly max: number;
}

/** A memo of at most `max` entries. */
export function newMemo<V>(max: number): Memo<V> {
  return { map: undefined, looked: false, max };
}

/** The remembered value, or undefined (always on the first lookup). */
export function memoGet<V>(m: Memo<V>, key: string): V | undefined {
  const map = m.map;
  if (map !== undefined) return map.get(key);
  if (m.looked) m.map = new Map();
  else m.looked = true;
  return undefined;
}

/** Remembers `value` once the memo has its Map (from the second lookup on); returns `value`. */
export function memoSet<V>(m: Memo<V>, key: string, value: V): V {
  const map = m.map;
  if (map === undefined) return value;
  if (map.size >= m.max) map.clear();
  map.set(key, value);
  return value;
}
