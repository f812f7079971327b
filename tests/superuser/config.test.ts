// The first superuser from env: both variables or neither, a strength check whose errors never
// quote the password, and the password kept out of the boot summary.
import { describe, expect, it } from "vitest";
import { checkConfig } from "../../src/config/checks";
import { buildConfig, ConfigError } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import { configSummary } from "../../src/config/summary";
import { parseSuperuserPassword, superuserFromConfig } from "../../src/superuser/config";

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("no error");
}

describe("PB_SUPERUSER_EMAIL + PB_SUPERUSER_PASSWORD", () => {
  it("unset: superusers are left alone", () => {
    expect(superuserFromConfig(buildConfig(schema, {}).superuser)).toBeNull();
  });

  it("both set: that superuser; the password is redacted in the boot summary", () => {
    const env = { PB_SUPERUSER_EMAIL: "ops@example.com", PB_SUPERUSER_PASSWORD: "a-long-random-Passphrase" };
    expect(superuserFromConfig(buildConfig(schema, env).superuser)).toEqual({
      email: "ops@example.com",
      password: "a-long-random-Passphrase",
    });
    expect(configSummary(schema, env).PB_SUPERUSER_PASSWORD).toBe("[redacted]");
  });

  it("one without the other stops boot naming the missing one", () => {
    expect(message(() => checkConfig(buildConfig(schema, { PB_SUPERUSER_EMAIL: "ops@example.com" })))).toContain(
      'invalid PB_SUPERUSER_PASSWORD="none": unset while PB_SUPERUSER_EMAIL is set',
    );
    const m = message(() => checkConfig(buildConfig(schema, { PB_SUPERUSER_PASSWORD: "a-long-random-Passphrase" })));
    expect(m).toContain('invalid PB_SUPERUSER_EMAIL="none"');
    expect(m).not.toContain("Passphrase");
  });

  it("strength: 12+ characters, at most 71 bytes, 6+ distinct characters, no edge whitespace; errors never quote it", () => {
    for (const [pw, reason] of [
      ["Sh0rt-pass!", /too short \(11 characters/],
      ["é".repeat(36), /too long \(72 bytes/],
      ["abababababababab", /too repetitive/],
      ["a-long-random-Passphrase\n", /whitespace/],
    ] as const) {
      const m = message(() => buildConfig(schema, { PB_SUPERUSER_PASSWORD: pw }));
      expect(m).toMatch(reason);
      expect(m).toContain('PB_SUPERUSER_PASSWORD="[redacted]"');
      expect(m).not.toContain(pw.trim());
    }
    expect(parseSuperuserPassword("correct-horse-battery")).toBe("correct-horse-battery");
  });

  it("a bad email is shown (not a secret)", () => {
    expect(message(() => buildConfig(schema, { PB_SUPERUSER_EMAIL: "ops-at-example" }))).toContain(
      'invalid PB_SUPERUSER_EMAIL="ops-at-example": not an email address',
    );
  });
});
