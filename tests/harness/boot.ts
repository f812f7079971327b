// The one check every concern's boot-error test makes: a bad PB_* value stops PocketBase with a
// non-zero exit and exactly one line naming the variable, the value (or `[redacted]` for a secret
// variable or a misspelt name, whose value must then not appear at all) and the accepted form.
import { expect } from "vitest";
import { allVars } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import { runPocketBase } from "./pocketbase";

// A variable's documented aliases (S3_ENDPOINT for PB_S3_ENDPOINT...) are known names too, secret
// when the variable is.
const names = (v: { name: string; aliases?: readonly string[] }) => [v.name, ...(v.aliases ?? [])];
const SECRET = new Set(allVars(schema).filter((v) => v.secret).flatMap(names));
const KNOWN = new Set(allVars(schema).flatMap(names));

export function expectBootRefused(version: string, name: string, value: string, reason: RegExp): string {
  const res = runPocketBase(version, ["serve", "--http", "127.0.0.1:0"], { env: { [name]: value } });
  expect(res.status).toBe(1);
  const lines = (res.stdout + res.stderr).split("\n").filter((l) => l.trim() !== "");
  expect(lines).toHaveLength(1);
  const line = lines[0]!;
  // An unknown (misspelt) name never shows its value: it may be a typo of a secret variable.
  const hidden = (SECRET.has(name) || !KNOWN.has(name)) && value.trim() !== "";
  expect(line).toContain(`invalid ${name}=${JSON.stringify(hidden ? "[redacted]" : value)}`);
  if (hidden) expect(line).not.toContain(value);
  expect(line).toMatch(reason);
  expect(line).toMatch(/; expected /);
  return line;
}
