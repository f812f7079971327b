// Declarative PB_* variables: each knows its default, an example, the accepted form and how to parse
// itself. Parsers are pure and throw a plain Error whose message describes what was wrong; the loader
// turns that into the one boot line naming variable, value and accepted form.

export interface VarSpec<T> {
  /** Environment variable name, always `PB_*`. */
  readonly name: string;
  /** Value used when the variable is unset, written as a user would write it. */
  readonly default: string;
  /** A realistic value for the docs. */
  readonly example: string;
  /** Short human description of the accepted form, used in errors and docs. */
  readonly accepted: string;
  /** One or two sentences for the config reference. */
  readonly meaning: string;
  /** Marks values that must never be printed (boot summary, errors show `[redacted]`). */
  readonly secret?: boolean;
  /**
   * Other names read for the same setting (e.g. the production guide's `S3_BUCKET`). Setting both
   * spellings to different values stops boot: neither can be assumed to be the one meant. A
   * spelling left at the default gives way to the other.
   */
  readonly aliases?: readonly string[];
  readonly parse: (raw: string) => T;
}

export function defineVar<T>(spec: VarSpec<T>): VarSpec<T> {
  return Object.freeze(spec);
}

/** Thrown when a parser rejects a value; `detail` adds a specific reason to the accepted form. */
export class InvalidValue extends Error {}

export function oneOf<const T extends string>(choices: readonly T[]): (raw: string) => T {
  return (raw) => {
    const v = raw.trim().toLowerCase();
    if ((choices as readonly string[]).includes(v)) return v as T;
    throw new InvalidValue("not an accepted value");
  };
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

export function parseBool(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new InvalidValue("not a boolean");
}

export function intIn(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const v = raw.trim();
    if (!/^-?\d+$/.test(v)) throw new InvalidValue("not an integer");
    const n = Number(v);
    if (n < min || n > max) throw new InvalidValue(`out of range ${min}..${max}`);
    return n;
  };
}

export function numberIn(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const v = raw.trim();
    if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(v)) throw new InvalidValue("not a number");
    const n = Number(v);
    if (n < min || n > max) throw new InvalidValue(`out of range ${min}..${max}`);
    return n;
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `10s`, `5m`, `1h`, `1d` (one number, one unit) into milliseconds. */
export function parseDurationMs(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw.trim());
  if (!m) throw new InvalidValue("not a duration like 500ms, 10s, 5m, 1h or 1d");
  const ms = Number(m[1]) * DURATION_UNITS[m[2]!]!;
  if (!Number.isFinite(ms)) throw new InvalidValue("duration too large");
  return ms;
}

export function durationIn(minMs: number, maxMs: number): (raw: string) => number {
  return (raw) => {
    const ms = parseDurationMs(raw);
    if (ms < minMs || ms > maxMs) throw new InvalidValue(`out of range ${minMs}ms..${maxMs}ms`);
    return ms;
  };
}

/** Comma-separated list; empty items are rejected so `a,,b` is caught as a likely typo. */
export function listOf<T>(item: (raw: string) => T): (raw: string) => readonly T[] {
  return (raw) => {
    const parts = raw.split(",").map((s) => s.trim());
    if (parts.some((p) => p === "")) throw new InvalidValue("empty item in comma-separated list");
    return Object.freeze(parts.map(item));
  };
}
