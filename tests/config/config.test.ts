import { describe, expect, it } from "vitest";
import { allVars, buildConfig, ConfigError, POCKETBASE_OWN } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import {
  durationIn,
  intIn,
  InvalidValue,
  keywordOr,
  listOf,
  noting,
  numberIn,
  oneOf,
  parseBool,
  parseDurationMs,
} from "../../src/config/vars";

describe("config schema", () => {
  it("every default parses, so an unset variable can never fail boot", () => {
    const cfg = buildConfig(schema, {});
    expect(cfg.log.level).toBe("info");
    expect(cfg.log.format).toBe("json");
  });

  it("names are unique PB_* names and not PocketBase's own", () => {
    const names = allVars(schema).map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^PB_[A-Z0-9_]+$/);
    expect(POCKETBASE_OWN).toContain("PB_THUMBS_MAX_WORKERS");
    for (const own of POCKETBASE_OWN) {
      expect(names).not.toContain(own);
    }
  });

  it("every example is itself a valid value", () => {
    for (const v of allVars(schema)) expect(() => v.parse(v.example), v.name).not.toThrow();
  });

  it("the built config is deeply frozen", () => {
    const cfg = buildConfig(schema, { PB_LOG_LEVEL: "warn" });
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.log)).toBe(true);
    expect(cfg.log.level).toBe("warn");
  });
});

describe("bad values", () => {
  it("name the variable, the value and the accepted form in one line", () => {
    let err: unknown;
    try {
      buildConfig(schema, { PB_LOG_LEVEL: "loud" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toBe('pb-ops: invalid PB_LOG_LEVEL="loud": not an accepted value; expected one of debug|info|warn|error');
    expect(msg).not.toContain("\n");
  });

  it("set-but-empty is an error, not the default", () => {
    expect(() => buildConfig(schema, { PB_LOG_LEVEL: "  " })).toThrow(/PB_LOG_LEVEL=.*set but empty/);
  });

  it("a PB_* name two edits from a known one is reported as a typo", () => {
    expect(() => buildConfig(schema, { PB_LOG_LEVL: "warn" })).toThrow(/PB_LOG_LEVL.*did you mean PB_LOG_LEVEL/);
  });

  it("unrelated PB_* names and PocketBase's own are left alone", () => {
    expect(() => buildConfig(schema, { PB_MY_APP_FLAG: "x", PB_THUMBS_MAX_WORKERS: "2" })).not.toThrow();
  });
});

describe("parsers", () => {
  it("oneOf is case-insensitive and trims", () => {
    expect(oneOf(["a", "b"] as const)(" B ")).toBe("b");
    expect(() => oneOf(["a"] as const)("c")).toThrow();
  });
  it("booleans", () => {
    for (const t of ["true", "1", "YES", "on"]) expect(parseBool(t)).toBe(true);
    for (const f of ["false", "0", "no", "Off"]) expect(parseBool(f)).toBe(false);
    expect(() => parseBool("maybe")).toThrow();
  });
  it("integers and numbers in range", () => {
    expect(intIn(1, 10)("7")).toBe(7);
    expect(() => intIn(1, 10)("11")).toThrow(/range/);
    expect(() => intIn(1, 10)("7.5")).toThrow(/integer/);
    expect(numberIn(0, 1)("0.25")).toBe(0.25);
    expect(() => numberIn(0, 1)("1e3")).toThrow();
  });
  it("durations", () => {
    expect(parseDurationMs("500ms")).toBe(500);
    expect(parseDurationMs("10s")).toBe(10_000);
    expect(parseDurationMs("1.5m")).toBe(90_000);
    expect(parseDurationMs("2h")).toBe(7_200_000);
    expect(parseDurationMs("1d")).toBe(86_400_000);
    expect(() => parseDurationMs("10")).toThrow();
    expect(() => parseDurationMs("10 s")).toThrow();
    expect(() => durationIn(1000, 5000)("10s")).toThrow(/range/);
  });
  it("lists reject empty items", () => {
    expect(listOf((s) => s)("a, b")).toEqual(["a", "b"]);
    expect(() => listOf((s) => s)("a,,b")).toThrow(/empty item/);
  });
});

describe("one vocabulary: keywords, booleans and parser errors are the same in every concern", () => {
  it("keywords match in any case and with spaces around, in every concern", () => {
    const c = buildConfig(schema, {
      PB_RATE_LIMIT: "OFF",
      PB_RATE_LIMIT_RULES: "None",
      PB_RATE_LIMIT_EXEMPT: " NONE ",
      PB_LOG_REDACT: "NONE",
      PB_SECURITY_HEADERS_OFF: "None",
      PB_ADMIN_PATH: "Off",
      PB_ADMIN_ALLOW_IPS: "ANY",
      PB_ALERT_WEBHOOK: "NONE",
      PB_S3_BUCKET: "None",
      PB_SUPERUSER_EMAIL: "NONE",
      PB_LITESTREAM_CONFIG: "None",
      PB_TRUSTED_PROXY_HEADERS: "OFF",
    });
    expect(c.rateLimit.rate).toBeUndefined();
    expect(c.rateLimit.rules).toEqual([]);
    expect(c.rateLimit.exempt).toEqual([]);
    expect(c.log.redact).toEqual([]);
    expect(c.headers.disabled).toEqual([]);
    expect(c.admin.path).toBeNull();
    expect(c.admin.allowIps).toBeNull();
    expect(c.alert.webhook).toBeNull();
    expect(c.storage.bucket).toBeNull();
    expect(c.superuser.email).toBeNull();
    expect(c.backup.litestreamConfig).toBeNull();
    expect(c.proxy.headers).toBeNull();
  });

  it("on/off switches take every boolean spelling, and booleans take on/off", () => {
    for (const [raw, want] of [
      ["true", "on"],
      ["0", "off"],
      ["YES", "on"],
      ["off", "off"],
    ] as const) {
      expect(buildConfig(schema, { PB_RATE_LIMIT_AUTH: raw }).rateLimit.auth, raw).toBe(want);
    }
    expect(buildConfig(schema, { PB_SECURITY_HEADERS: "true" }).headers.enabled).toBe(true);
    expect(buildConfig(schema, { PB_LOG_ACCESS: "off" }).log.access).toBe(false);
    expect(() => buildConfig(schema, { PB_RATE_LIMIT_AUTH: "strict" })).toThrow(/expected one of on\|off/);
  });

  it("every parser rejects with the config error (InvalidValue), never a plain Error", () => {
    const bad = ["\u0001", "x y z", "-1", "99999999999999999999", "a,,b", "/", "http://", "@"];
    for (const v of allVars(schema)) {
      for (const raw of bad) {
        try {
          v.parse(raw);
        } catch (err) {
          expect(err, `${v.name}=${JSON.stringify(raw)}`).toBeInstanceOf(InvalidValue);
        }
      }
    }
  });

  it("combinators state what they accept, and variables built from them say it once", () => {
    expect(oneOf(["a", "b"] as const).accepted).toBe("one of a|b");
    expect(intIn(1, 10).accepted).toBe("an integer from 1 to 10");
    expect(durationIn(1000, 86_400_000).accepted).toBe("a duration from 1s to 1d");
    expect(keywordOr("none", listOf(intIn(1, 2))).accepted).toBe("`none` or a comma-separated list of an integer from 1 to 2");
    expect(schema.rateLimit.exempt.accepted).toBe("`none` or a comma-separated list of IPv4/IPv6 addresses and CIDR ranges");
    expect(schema.admin.allowIps.accepted).toBe("`any` or a comma-separated list of IPv4/IPv6 addresses and CIDR ranges");
    for (const v of allVars(schema)) expect(v.accepted, v.name).toMatch(/\S/);
  });

  it("oneOf keeps each choice's spelling; noting adds what the parser cannot say after its own text", () => {
    const xfo = oneOf(["auto", "DENY", "SAMEORIGIN", "off"] as const);
    expect(xfo(" deny ")).toBe("DENY");
    expect(xfo("Auto")).toBe("auto");
    expect(() => xfo("allow")).toThrow(InvalidValue);
    const hb = noting(durationIn(500, 60_000), "less than half of PB_LEASE_TTL");
    expect(hb.accepted).toBe("a duration from 500ms to 1m, less than half of PB_LEASE_TTL");
    expect(hb("2s")).toBe(2000);
    expect(() => hb("61s")).toThrow(InvalidValue);
  });

  it("header and lease variables take their accepted text from their parsers", () => {
    expect(schema.headers.frameOptions.accepted).toBe("one of auto|DENY|SAMEORIGIN|off");
    expect(schema.headers.coop.accepted).toBe("one of same-origin|same-origin-allow-popups|noopener-allow-popups|unsafe-none|off");
    expect(schema.headers.corp.accepted).toBe("one of same-origin|same-site|cross-origin|off");
    expect(schema.headers.csp.accepted).toMatch(/^`off` or a Content-Security-Policy \(/);
    expect(schema.headers.hsts.accepted).toMatch(/^`off` or `max-age=<seconds>`/);
    expect(schema.headers.referrerPolicy.accepted).toContain("unsafe-url");
    expect(schema.lease.writes.accepted).toBe("one of auto|conditional|verify");
    expect(schema.lease.ttl.accepted).toBe(`${durationIn(2000, 600_000).accepted}, more than 2 x PB_LEASE_HEARTBEAT`);
    expect(schema.backup.timeout.accepted).toBe("whole seconds from 1s to 30s");
  });
});
