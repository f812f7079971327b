// Whether a value survives JSON.stringify/JSON.parse unchanged in meaning: the shared plan crosses
// from the loader VM to every request VM as JSON (src/adapter/config.ts). Pure.

/** Paths of values that JSON would change: functions, non-finite numbers, class instances (Set,
 * Map, RegExp, Date...). `undefined` properties are fine: a missing key reads as undefined too. */
export function nonPlainPaths(value: unknown, path = "$"): string[] {
  if (value === null || value === undefined) return [];
  const t = typeof value;
  if (t === "string" || t === "boolean") return [];
  if (t === "number") return Number.isFinite(value) ? [] : [`${path} (${value})`];
  if (t !== "object") return [`${path} (${t})`];
  if (Array.isArray(value)) return value.flatMap((v, i) => (v === undefined ? [`${path}[${i}] (undefined in an array)`] : nonPlainPaths(v, `${path}[${i}]`)));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return [`${path} (${(value as object).constructor?.name ?? "object"})`];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => nonPlainPaths(v, `${path}.${k}`));
}
