// The one check every concern's boot-error test makes: a bad PB_* value stops PocketBase with a
// non-zero exit and exactly one line naming the variable, the value (or `[redacted]` for a secret
// variable or a misspelt name, whose value must then not appear at all) and the accepted form.
import { describe, expect, it } from "vitest";
import { checkConfig } from "../../src/config/checks";
import { allVars, buildConfig, ConfigError } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import { POCKETBASE_VERSIONS, runPocketBase } from "../../toolkit/pocketbase";

// A variable's documented aliases (S3_ENDPOINT for PB_S3_ENDPOINT...) are known names too, secret
// when the variable is.
const names = (v: { name: string; aliases?: readonly string[] }) => [v.name, ...(v.aliases ?? [])];
const SECRET = new Set(
  allVars(schema)
    .filter((v) => v.secret)
    .flatMap(names),
);
const KNOWN = new Set(allVars(schema).flatMap(names));

/** A bad value of one variable and what its refusal line must say. */
export type BadValue = [name: string, value: string, reason: RegExp];

/** What every refusal line says: variable, value (or `[redacted]`), the reason and the accepted form. */
function expectRefusalLine(line: string, name: string, value: string, reason: RegExp): void {
  // An unknown (misspelt) name never shows its value: it may be a typo of a secret variable.
  const hidden = (SECRET.has(name) || !KNOWN.has(name)) && value.trim() !== "";
  expect(line).toContain(`invalid ${name}=${JSON.stringify(hidden ? "[redacted]" : value)}`);
  if (hidden) expect(line).not.toContain(value);
  expect(line).toMatch(reason);
  expect(line).toMatch(/; expected /);
}

/** Real PocketBase: a non-zero exit and exactly one line. Returns the line. */
export function expectBootRefused(version: string, name: string, value: string, reason: RegExp): string {
  const res = runPocketBase(version, ["serve", "--http", "127.0.0.1:0"], { env: { [name]: value } });
  expect(res.status).toBe(1);
  const lines = (res.stdout + res.stderr).split("\n").filter((l) => l.trim() !== "");
  expect(lines).toHaveLength(1);
  const line = lines[0]!;
  expectRefusalLine(line, name, value, reason);
  return line;
}

/** Without PocketBase: the checks boot runs (the config, then checkConfig), the line they throw. */
function expectConfigRefused(name: string, value: string, reason: RegExp): string {
  const env = { [name]: value };
  let line = "";
  try {
    checkConfig(buildConfig(schema, env), env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    line = err.message;
  }
  expect(line, `${name}=${JSON.stringify(value)} was accepted`).not.toBe("");
  expectRefusalLine(line, name, value, reason);
  return line;
}

/** The cases booted for real: the first, one from the middle and the last of a concern's table. */
function bootSample(cases: readonly BadValue[]): BadValue[] {
  const picks = new Set([0, Math.floor(cases.length / 2), cases.length - 1]);
  return cases.filter((_, i) => picks.has(i));
}

/**
 * A concern's bad values: every one against the checks boot runs (pure, fast), and a sample on both
 * PocketBase versions, which proves the checks are what stops the real boot with one line.
 * `more` adds assertions on each line (e.g. a secret that must not appear).
 */
export function describeBadValues(cases: readonly BadValue[], more: (line: string, name: string, value: string) => void = () => {}): void {
  describe("every bad value: refused by the checks boot runs", () => {
    it.each(cases)("%s=%j", (name, value, reason) => more(expectConfigRefused(name, value, reason), name, value));
  });
  describe.each(POCKETBASE_VERSIONS)("PocketBase %s: a sample stops boot with one line", (version: string) => {
    it.each(bootSample(cases))("%s=%j", (name, value, reason) => more(expectBootRefused(version, name, value, reason), name, value));
  });
}
