// Pure logging pieces: line formats, level filter, redaction, request ids, access fields.
import { describe, expect, it } from "vitest";
import { accessFields, accessLevel, accessLineJson, keepAccessLine, messageOfError, statusOfError } from "../src/log/access";
import { formatJson, formatText, levelEnabled } from "../src/log/format";
import { makeRedactor, REDACTED } from "../src/log/redact";
import { acceptRequestId, requestIdMaker } from "../src/log/request-id";
import { configSummary } from "../src/config/summary";
import { defineVar } from "../src/config/vars";

const T = Date.UTC(2026, 10, 28, 8, 0, 0, 123);

describe("JSON lines", () => {
  it("follow slog's shape: time, level, msg first, then fields", () => {
    const line = formatJson({ timeMs: T, level: "warn", msg: "hello", fields: { a: 1, b: "x" } });
    expect(line).toBe('{"time":"2026-11-28T08:00:00.123Z","level":"WARN","msg":"hello","a":1,"b":"x"}');
  });
  it("fields cannot overwrite time, level or msg", () => {
    const parsed = JSON.parse(formatJson({ timeMs: T, level: "info", msg: "m", fields: { msg: "evil", level: "ERROR" } }));
    expect(parsed.msg).toBe("m");
    expect(parsed.level).toBe("INFO");
    expect(parsed["field.msg"]).toBe("evil");
  });
  it("stay one line whatever the values hold", () => {
    const line = formatJson({ timeMs: T, level: "info", msg: "a\nb", fields: { v: "x\r\ny", big: BigInt(5) } });
    expect(line).not.toMatch(/[\r\n]/);
    expect(JSON.parse(line).big).toBe("5");
  });
  it("survive cyclic fields", () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    expect(() => JSON.parse(formatJson({ timeMs: T, level: "info", msg: "m", fields: { o } }))).not.toThrow();
  });
});

describe("text lines", () => {
  it("are time LEVEL msg key=value, quoting values with spaces", () => {
    expect(formatText({ timeMs: T, level: "error", msg: "boom", fields: { status: 500, path: "/a b" } })).toBe(
      '2026-11-28T08:00:00.123Z ERROR boom status=500 path="/a b"',
    );
  });
});

describe("level filter", () => {
  it("passes the configured level and above", () => {
    expect(levelEnabled("warn", "error")).toBe(true);
    expect(levelEnabled("warn", "warn")).toBe(true);
    expect(levelEnabled("warn", "info")).toBe(false);
    expect(levelEnabled("debug", "debug")).toBe(true);
  });
  it("access lines take their level from the status", () => {
    expect([200, 302, 404, 429, 500, 503].map(accessLevel)).toEqual(["info", "info", "warn", "warn", "error", "error"]);
  });
});

describe("redaction", () => {
  const r = makeRedactor(["x-team-key"]);
  it("replaces sensitive query values and keeps the rest", () => {
    expect(r.path("/api/x?token=abc&page=2&refresh_token=def&password=p")).toBe(`/api/x?token=${REDACTED}&page=2&refresh_token=${REDACTED}&password=${REDACTED}`);
    expect(r.path("/api/x?Api_Key=1&%74oken=2")).toBe(`/api/x?Api_Key=${REDACTED}&%74oken=${REDACTED}`);
    expect(r.path("/no/query")).toBe("/no/query");
  });
  it("catches built-in and configured names in fields", () => {
    expect(r.fields({ authorization: "Bearer x", Cookie: "a=b", "x-team-key": "k", userAgent: "ua", clientSecret: "s" })).toEqual({
      authorization: REDACTED,
      Cookie: REDACTED,
      "x-team-key": REDACTED,
      userAgent: "ua",
      clientSecret: REDACTED,
    });
  });
});

describe("request ids", () => {
  it("keep well-formed incoming ids and refuse the rest", () => {
    expect(acceptRequestId("4bf92f3577b34da6a3ce929d0e0e4736")).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(acceptRequestId("req-2026.11:28@edge")).toBe("req-2026.11:28@edge");
    for (const bad of ["", "short", "a".repeat(129), "has space 12345", 'quote"12345678', "new\nline12345", "<script>alert(1)</script>"]) {
      expect(acceptRequestId(bad), bad).toBeUndefined();
    }
  });
});

describe("made request ids", () => {
  it("are 20 well-formed characters and never repeat within a VM", () => {
    const next = requestIdMaker("AbCdEfGhIjKl");
    const ids = Array.from({ length: 10_000 }, next);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) {
      expect(id).toHaveLength(20);
      expect(acceptRequestId(id)).toBe(id);
    }
  });
});

describe("access fields", () => {
  it("carry the request facts, redacted and clipped", () => {
    const f = accessFields(
      { method: "GET", uri: "/api/a?token=t", status: 200, durationMs: 1.234, ip: "1.2.3.4", requestId: "rid12345", userAgent: "u".repeat(600), extra: { rateLimit: "allowed" } },
      makeRedactor([]),
    );
    expect(f).toMatchObject({ method: "GET", path: `/api/a?token=${REDACTED}`, status: 200, durationMs: 1.23, ip: "1.2.3.4", requestId: "rid12345", rateLimit: "allowed" });
    expect(String(f.userAgent).length).toBeLessThan(600);
  });
  it("the fast JSON access line is byte for byte the generic record of the same fields", () => {
    const r = makeRedactor([]);
    const facts = [
      { method: "GET", uri: "/api/a?token=t&x=1", status: 200, durationMs: 0.5, ip: "::1", requestId: "rid12345", userAgent: "ua" },
      { method: "POST", uri: "/api/b", status: 500, durationMs: 12.345, ip: "10.0.0.1", requestId: "rid67890", userAgent: "", authCollection: "users", authId: "u1", errorMessage: "boom", extra: { rateLimit: "limited", cors: "allowed" } },
      // Strings that need escaping take the JSON.stringify path; every outcome field; odd numbers.
      { method: "GE\"T", uri: '/api/\u00e9?q="x"\\y', status: 404, durationMs: NaN, ip: "1.2.3.4", requestId: "r\n1", userAgent: "Mozilla/5.0 \u{1F600} \ud800 \u0007 \u007f", errorMessage: "x".repeat(300), extra: { adminGate: "hidden", cors: "refused", rateLimit: "allowed", rateLimitRule: "default" } },
      { method: "GET", uri: "/" + "a".repeat(3000), status: 429, durationMs: 1e21, ip: "", requestId: "", userAgent: "u".repeat(600), authCollection: "", authId: "", extra: {} },
      // Hostile client strings in every field a client can reach: quotes, backslashes, controls,
      // separators, lone surrogates, JSON-looking text that must not end the string or add keys.
      {
        method: "X".repeat(40),
        uri: '/api/x"},"level":"ERROR?a=\\"&token=\u2028\u2029&b=%22%5C',
        status: 418,
        durationMs: -0,
        ip: '1.2.3.4","admin":true',
        requestId: "\u0000\u001f",
        userAgent: '","status":200,"x":"\\\r\n\t\b\f\udfff\ud83d',
        authCollection: "\u2028",
        authId: '"',
        errorMessage: "line1\nline2\u0000\"}",
        extra: { adminGate: '"', cors: "\\", rateLimit: "\n", rateLimitRule: "\u007f" },
      },
    ];
    for (const f of facts) {
      const level = accessLevel(f.status);
      expect(accessLineJson(T, level, f, r)).toBe(formatJson({ timeMs: T, level, msg: "request", fields: accessFields(f, r) }));
    }
  });

  it("the access line's cached time text is toISOString's for every millisecond and second", () => {
    const times = [T, T + 1, T + 9, T + 10, T + 99, T + 100, T + 877, T + 1000, T - 1, 0, -1, -999, -1000, 253402300799999, Date.UTC(2024, 1, 29, 23, 59, 59, 999)];
    for (let i = 0; i < 3000; i++) times.push(T + i * 7);
    const r = makeRedactor([]);
    const f = { method: "GET", uri: "/", status: 200, durationMs: 1, ip: "::1", requestId: "rid12345", userAgent: "" };
    for (const t of times) expect(JSON.parse(accessLineJson(t, "info", f, r)).time).toBe(new Date(t).toISOString());
  });

  it("sampling keeps every 4xx/5xx and thins only successes", () => {
    expect(keepAccessLine(500, 0, 0.99)).toBe(true);
    expect(keepAccessLine(404, 0, 0.99)).toBe(true);
    expect(keepAccessLine(200, 0.1, 0.05)).toBe(true);
    expect(keepAccessLine(200, 0.1, 0.5)).toBe(false);
    expect(keepAccessLine(200, 1, 0.999)).toBe(true);
  });
  it("error statuses follow PocketBase's ToApiError", () => {
    expect(statusOfError({ status: 429, message: "Too Many Requests." })).toBe(429);
    expect(statusOfError({ value: { status: 403 } })).toBe(403);
    expect(statusOfError(new Error("sql: no rows in result set"))).toBe(404);
    expect(statusOfError(new Error("boom"))).toBe(400);
    expect(messageOfError({ value: { message: "inner" }, message: "outer" })).toBe("inner");
  });
});

describe("boot summary", () => {
  it("shows effective values and never a secret", () => {
    const schema = {
      s: {
        a: defineVar({ name: "PB_A", default: "1", example: "2", accepted: "x", meaning: "m", parse: (v: string) => v }),
        t: defineVar({ name: "PB_T", default: "", example: "x", accepted: "x", meaning: "m", secret: true, parse: (v: string) => v }),
      },
    };
    expect(configSummary(schema, { PB_T: "hunter2" })).toEqual({ PB_A: "1 (default)", PB_T: "[redacted]" });
    expect(JSON.stringify(configSummary(schema, { PB_T: "hunter2" }))).not.toContain("hunter2");
  });
});
