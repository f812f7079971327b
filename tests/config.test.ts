import { describe, expect, it } from "vitest";
import { allVars, buildConfig, ConfigError } from "../src/config/load";
import { schema } from "../src/config/schema";
import { durationIn, intIn, listOf, numberIn, oneOf, parseBool, parseDurationMs } from "../src/config/vars";

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
    for (const own of ["PB_THUMBS_MAX_WORKERS", "PB_THUMBS_MAX_WAIT", "PB_FILES_DELETE_MAX_WORKERS", "PB_ID_TOKEN_LEEWAY"]) {
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
