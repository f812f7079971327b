// Declarative PB_* variables: each knows its default, an example, the accepted form and how to parse
// itself. Parsers are pure and throw InvalidValue whose message says what was wrong; the loader turns
// that into the one boot line naming variable, value and accepted form.
//
// The one vocabulary every concern's config uses: keywords (`off`, `none`, `any`, `auto`...) match
// trimmed and in any case (isKeyword), booleans take true|false|1|0|yes|no|on|off everywhere, and
// the combinators below carry their own "accepted" text, so a variable built from them states it
// once (defineVar takes it from the parser when the spec does not say it in its own words).

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

/** A variable as a concern writes it: `accepted` may come from a combinator-built parser. */
export type VarInput<T> = Omit<VarSpec<T>, "accepted" | "parse"> &
  ({ accepted: string; parse: (raw: string) => T } | { accepted?: undefined; parse: Parser<T> });

export function defineVar<T>(spec: VarInput<T>): VarSpec<T> {
  const accepted = spec.accepted ?? (spec.parse as Parser<T>).accepted;
  return Object.freeze({ ...spec, accepted });
}

/** Thrown when a parser rejects a value; `detail` adds a specific reason to the accepted form. */
export class InvalidValue extends Error {}

/** A parser that says what it accepts (for the boot line and docs/config.md). */
export type Parser<T> = ((raw: string) => T) & { readonly accepted: string };

export function parser<T>(accepted: string, parse: (raw: string) => T): Parser<T> {
  return Object.assign((raw: string) => parse(raw), { accepted });
}

/** How every keyword is matched: trimmed, in any case. */
export function isKeyword(raw: string, word: string): boolean {
  return raw.trim().toLowerCase() === word;
}

/**
 * `word` (any case) gives `value` (null unless said); anything else goes to `parse`. Off and empty
 * states are explicit keywords rather than an empty value: a deployment spec can list the variable
 * with its default (an empty value is a boot error, see src/config/load.ts).
 */
export function keywordOr<T, const V = null>(word: string, parse: (raw: string) => T, value: V = null as V): Parser<T | V> {
  const rest = (parse as Partial<Parser<T>>).accepted ?? "a value";
  return parser(`\`${word}\` or ${rest}`, (raw) => (isKeyword(raw, word) ? value : parse(raw)));
}

/**
 * One of `choices`, matched trimmed and in any case, given back in the choice's own spelling (so a
 * header value like `DENY` keeps its case while `deny` is accepted).
 */
export function oneOf<const T extends string>(choices: readonly T[]): Parser<T> {
  const folded = choices.map((c) => c.toLowerCase());
  return parser(`one of ${choices.join("|")}`, (raw) => {
    const i = folded.indexOf(raw.trim().toLowerCase());
    if (i >= 0) return choices[i]!;
    throw new InvalidValue("not an accepted value");
  });
}

/**
 * `parse` with a note its own text cannot state, added after it (for instance a bound set by
 * another variable, checked across variables when the section is built).
 */
export function noting<T>(parse: Parser<T>, note: string): Parser<T> {
  return parser(`${parse.accepted}, ${note}`, parse);
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

export const parseBool: Parser<boolean> = /* @__PURE__ */ parser("a boolean (true|false|1|0|yes|no|on|off)", (raw) => {
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new InvalidValue("not a boolean");
});

/** A switch whose values read `on`/`off`; any boolean spelling is accepted, as for parseBool. */
export const onOff: Parser<"on" | "off"> = /* @__PURE__ */ parser("one of on|off (or true|false|1|0|yes|no)", (raw) => {
  try {
    return parseBool(raw) ? "on" : "off";
  } catch {
    throw new InvalidValue("not an accepted value");
  }
});

export function intIn(min: number, max: number): Parser<number> {
  return parser(`an integer from ${min} to ${max}`, (raw) => {
    const v = raw.trim();
    if (!/^-?\d+$/.test(v)) throw new InvalidValue("not an integer");
    const n = Number(v);
    if (n < min || n > max) throw new InvalidValue(`out of range ${min}..${max}`);
    return n;
  });
}

export function numberIn(min: number, max: number): Parser<number> {
  return parser(`a number from ${min} to ${max}`, (raw) => {
    const v = raw.trim();
    if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(v)) throw new InvalidValue("not a number");
    const n = Number(v);
    if (n < min || n > max) throw new InvalidValue(`out of range ${min}..${max}`);
    return n;
  });
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

/** `90000` -> `90s`, `86400000` -> `1d`: the largest unit that divides the value. */
function formatDurationMs(ms: number): string {
  for (const unit of ["d", "h", "m", "s"]) if (ms !== 0 && ms % DURATION_UNITS[unit]! === 0) return `${ms / DURATION_UNITS[unit]!}${unit}`;
  return ms === 0 ? "0s" : `${ms}ms`;
}

export function durationIn(minMs: number, maxMs: number): Parser<number> {
  return parser(`a duration from ${formatDurationMs(minMs)} to ${formatDurationMs(maxMs)}`, (raw) => {
    const ms = parseDurationMs(raw);
    if (ms < minMs || ms > maxMs) throw new InvalidValue(`out of range ${minMs}ms..${maxMs}ms`);
    return ms;
  });
}

/**
 * Comma-separated list; empty items are rejected so `a,,b` is caught as a likely typo. `what` names
 * the items for the accepted text (e.g. "IPv4/IPv6 addresses and CIDR ranges").
 */
export function listOf<T>(item: (raw: string) => T, what?: string): Parser<readonly T[]> {
  const itemText = what ?? (item as Partial<Parser<T>>).accepted ?? "items";
  return parser(`a comma-separated list of ${itemText}`, (raw) => {
    const parts = raw.split(",").map((s) => s.trim());
    if (parts.some((p) => p === "")) throw new InvalidValue("empty item in comma-separated list");
    return Object.freeze(parts.map(item));
  });
}
