import { describe, expect, it } from "vitest";
import { constantTimeEqual } from "../../src/crypto/constant-time";
import { decide, type AdminFacts } from "../../src/admin/decide";
import { checkGateCookies, cookieValues, gateSetCookie, signGate, verifyGate } from "../../src/admin/gate-cookie";
import { spendLogBudget, type LogBudget } from "../../src/admin/log-budget";
import { classifyPath, cleanPath, SUPERUSERS_ID } from "../../src/admin/paths";
import { parseAdminPath } from "../../src/admin/secret-path";
import { findAdminLinks } from "../../src/admin/templates";
import { hmacHex } from "../harness/admin";

describe("cleanPath (Go path.Clean, trailing slash kept like ServeMux)", () => {
  it.each([
    ["/", "/"],
    ["", "/"],
    ["//_//", "/_/"],
    ["/a/./b/../_/", "/a/_/"],
    ["/x/../_", "/_"],
    ["/../../_/x", "/_/x"],
    ["/_/.", "/_/"],
  ])("%j -> %j", (input, out) => expect(cleanPath(input)).toBe(out));
});

describe("classifyPath", () => {
  it.each([
    "/_",
    "/_/",
    "/_/index.html",
    "/_/assets/x.js",
    "//_/",
    "/x/../_/",
    "/%5F/",
    "/_/?q",
    "/api/collections/_superusers/auth-with-password",
    "/api/collections/_SUPERUSERS/auth-with-password",
    "/api/collections/_SuperUsers/request-otp",
    "/api/collections/_\u017fuperu\u017fers/auth-with-password", // ſ folds to s in Go's EqualFold
    "/api/collections/%5Fsuperusers/auth-with-otp",
    `/api/collections/${SUPERUSERS_ID}/auth-with-password`,
    `/api/collections/${SUPERUSERS_ID.toUpperCase()}/auth-refresh`,
    "/api/collections/_superusers/impersonate/abc",
    "/api/collections/_superusers",
    "/api/collections/_superusers/",
    "/api//collections/_superusers/auth-methods",
    "/API/Collections/_superusers/auth-with-password",
    "/api/files/_superusers/x/y.png",
  ])("%s is admin surface", (p) => expect(classifyPath(p)).not.toBeNull());

  it.each([
    "/",
    "/api/health",
    "/api/collections/users/auth-with-password",
    "/_x",
    "/__/",
    "/x_/",
    "/api/collections/superusers/auth-with-password",
    "/static/_/x",
    "/api/collections/_superusersx/auth-with-password",
  ])("%s is not", (p) => expect(classifyPath(p)).toBeNull());

  it("uses a runtime superusers id too", () => {
    expect(classifyPath("/api/collections/custom_id_1/auth-with-password", [SUPERUSERS_ID, "custom_id_1"])).toBe("superusers");
  });
});

describe("parseAdminPath", () => {
  it.each(["/k7Qm2vX9pL4wR8tZ3nB6", "/ops/9f86d081884c7d659a2feaa0c55ad015", "/admin-4f8a1c9e7b2d6f30"])("accepts %s", (p) =>
    expect(parseAdminPath(p)).toBe(p),
  );
  it.each([
    ["admin", /must start with \//],
    ["/k7Qm2vX9pL4wR8tZ3nB6/", /must not end with \//],
    ["/short1234", /too short/],
    ["/my-secret-admin-dashboard", /guessable/],
    ["/pocketbase-admin-panel-123", /guessable/],
    ["/aaaaaaaaaaaaaaaaaaaa", /repetitive/],
    ["/abcdefghijklmnopqrstu", /sequence/],
    ["/1234567890123456789", /repetitive|sequence/],
    ["/api/k7Qm2vX9pL4wR8tZ3nB6", /collides/],
    ["/_/k7Qm2vX9pL4wR8tZ3nB6", /collides/],
    ["/API/k7Qm2vX9pL4wR8tZ3nB6", /collides/],
    ["/k7Qm2vX9pL4w//R8tZ3nB6", /empty segment/],
    ["/k7Qm2vX9pL4w/../R8tZ3nB6", /dot segment/],
    ["/k7Qm2vX9pL4wR8tZ%20nB6", /only letters/],
    [" /k7Qm2vX9pL4wR8tZ3nB6", /whitespace/],
  ])("rejects %j", (p, why) => expect(() => parseAdminPath(p)).toThrow(why));
});

describe("constantTimeEqual", () => {
  it("is plain equality", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "ab")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("", "a")).toBe(false);
    expect(constantTimeEqual("abcabc", "abc")).toBe(false);
  });
});

describe("gate cookie", () => {
  const key = { secret: "s".repeat(10) + "0123456789abcdefghijklmnopqrstuv", adminPath: "/k7Qm2vX9pL4wR8tZ3nB6" };
  const now = 1_800_000_000;
  const ttl = 3600;
  const good = signGate(key, now + ttl, hmacHex);

  it("is v1.<exp>.<HMAC-SHA256 hex> and verifies", () => {
    expect(good).toMatch(/^v1\.\d+\.[0-9a-f]{64}$/);
    expect(verifyGate(good, key, now, ttl, hmacHex)).toBe("valid");
  });
  it("refuses expired, far-future, tampered, foreign-secret and foreign-path cookies", () => {
    expect(verifyGate(signGate(key, now - 1, hmacHex), key, now, ttl, hmacHex)).toBe("expired");
    expect(verifyGate(signGate(key, now + 10 * ttl, hmacHex), key, now, ttl, hmacHex)).toBe("expired");
    const [v, exp, mac] = good.split(".");
    expect(verifyGate(`${v}.${Number(exp) + 1}.${mac}`, key, now, ttl, hmacHex)).toBe("bad-signature");
    const flipped = mac!.slice(0, -1) + (mac!.endsWith("0") ? "1" : "0");
    expect(verifyGate(`${v}.${exp}.${flipped}`, key, now, ttl, hmacHex)).toBe("bad-signature");
    expect(verifyGate(signGate({ ...key, secret: key.secret + "x" }, now + ttl, hmacHex), key, now, ttl, hmacHex)).toBe("bad-signature");
    expect(verifyGate(signGate({ ...key, adminPath: "/other9f86d081884c7d65" }, now + ttl, hmacHex), key, now, ttl, hmacHex)).toBe(
      "bad-signature",
    );
    for (const bad of ["x", "v2." + good.slice(3), good.toUpperCase(), good + "0", `${v}.${exp}`, ""])
      expect(verifyGate(bad, key, now, ttl, hmacHex)).not.toBe("valid");
  });
  it("parses Cookie headers, keeps duplicates and takes the best copy", () => {
    expect(cookieValues(["a=1; pbops_gate=x; b=2", 'pbops_gate="y"'], "pbops_gate")).toEqual(["x", "y"]);
    expect(cookieValues(["PBOPS_GATE=x"], "pbops_gate")).toEqual([]);
    expect(checkGateCookies([`pbops_gate=junk; pbops_gate=${good}`], key, now, ttl, hmacHex)).toBe("valid");
    expect(checkGateCookies(["pbops_gate=junk"], key, now, ttl, hmacHex)).toBe("malformed");
    expect(checkGateCookies([], key, now, ttl, hmacHex)).toBe("missing");
  });
  it("Set-Cookie is HttpOnly, SameSite=Strict, Path=/, Max-Age, Secure on request", () => {
    expect(gateSetCookie("v", 60, false)).toBe("pbops_gate=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict");
    expect(gateSetCookie("v", 60, true)).toMatch(/; Secure$/);
  });
});

describe("decide", () => {
  const base: AdminFacts = { surface: "ui", gateOn: true, ipAllowed: null, superuser: false, gate: () => "missing" };
  it.each<[string, Partial<AdminFacts>, string]>([
    ["no gate cookie", {}, "miss"],
    ["valid gate", { gate: () => "valid" }, "pass"],
    ["expired gate", { gate: () => "expired" }, "miss"],
    ["superuser token", { superuser: true }, "pass"],
    ["gate off, no allowlist", { gateOn: false }, "pass"],
    ["not admin surface", { surface: null }, "pass"],
    ["outside allowlist even with gate", { ipAllowed: false, gate: () => "valid" }, "miss"],
    ["outside allowlist with superuser token on the UI", { ipAllowed: false, superuser: true }, "miss"],
    ["outside allowlist with superuser token elsewhere", { ipAllowed: false, superuser: true, surface: null }, "forbid"],
    ["outside allowlist, ordinary request", { ipAllowed: false, surface: null }, "pass"],
    ["inside allowlist still needs the gate", { ipAllowed: true }, "miss"],
    ["inside allowlist, gate off", { ipAllowed: true, gateOn: false }, "pass"],
  ])("%s -> %s", (_n, facts, action) => expect(decide({ ...base, ...facts }).action).toBe(action));
});

describe("denial log budget", () => {
  it("logs up to N per window, then reports the suppressed count once", () => {
    let b: LogBudget | undefined;
    const logged: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const s = spendLogBudget(b, 1000 + i, 3, 60_000);
      logged.push(s.log);
      b = s.next;
    }
    expect(logged).toEqual([true, true, true, false, false]);
    const next = spendLogBudget(b, 1000 + 60_000, 3, 60_000);
    expect(next.reportSuppressed).toBe(2);
    expect(next.log).toBe(true);
  });
});

describe("email templates", () => {
  it("names collection and template that link to /_/", () => {
    const found = findAdminLinks([
      { collection: "users", template: "verificationTemplate", body: '<a href="{APP_URL}/_/#/auth/confirm-verification/{TOKEN}">' },
      { collection: "users", template: "resetPasswordTemplate", body: '<a href="https://app.example.com/reset?t={TOKEN}">' },
      { collection: "_superusers", template: "resetPasswordTemplate", body: "{APP_URL}/_/#/auth/confirm-password-reset/{TOKEN}" },
    ]);
    expect(found).toEqual([
      { collection: "users", template: "verificationTemplate", superusers: false },
      { collection: "_superusers", template: "resetPasswordTemplate", superusers: true },
    ]);
  });
});
