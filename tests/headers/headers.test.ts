// Pure security-header logic: value validation, the per-class header plan, HTTPS detection, CORS
// decisions and cookie attributes.
import { describe, expect, it } from "vitest";
import { buildConfig, ConfigError } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import { cookieAttributes, checkCookie } from "../../src/headers/cookies";
import { corsDecision, parseCorsOrigins, parseOrigin } from "../../src/headers/cors";
import { ADMIN_CSP, FILES_CSP, PUBLIC_CSP } from "../../src/headers/defaults";
import { MANAGED, MANAGED_HEADERS } from "../../src/headers/managed";
import { isHttpsRequest } from "../../src/headers/https";
import { buildHeaderPlan, DOCUMENT_ONLY, type HeaderList } from "../../src/headers/policy";
import { routeClassOf } from "../../src/headers/route-class";
import { cspValue, headerValue, hstsValue, referrerPolicyValue } from "../../src/headers/values";

const planFor = (env: Record<string, string> = {}) => buildHeaderPlan(buildConfig(schema, env).headers);
const asMap = (list: HeaderList) => Object.fromEntries(list);

// helmet 8 defaults (FACTS.md "Anchors"), the reference pb-ops is compared with, less
// X-Download-Options (IE8 only; see src/headers/defaults.ts).
const HELMET = {
  "Content-Security-Policy": PUBLIC_CSP,
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Origin-Agent-Cluster": "?1",
  "Referrer-Policy": "no-referrer",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-DNS-Prefetch-Control": "off",
  "X-Frame-Options": "SAMEORIGIN",
  "X-Permitted-Cross-Domain-Policies": "none",
  "X-XSS-Protection": "0",
};

describe("header plan (defaults)", () => {
  const plan = planFor();

  it("pb_public over HTTPS gets exactly helmet 8's default set (less IE8's X-Download-Options)", () => {
    expect(asMap(plan.classes.public.secure)).toEqual(HELMET);
  });

  it("pb_public over plain HTTP: no HSTS, and the CSP without upgrade-insecure-requests", () => {
    const m = asMap(plan.classes.public.plain);
    expect(m["Strict-Transport-Security"]).toBeUndefined();
    expect(m["Content-Security-Policy"]).toBe(PUBLIC_CSP.replace("; upgrade-insecure-requests", ""));
    expect(m["X-DNS-Prefetch-Control"]).toBe("off");
  });

  it("API responses: nothing may load, never framed", () => {
    const m = asMap(plan.classes.api.plain);
    expect(m["Content-Security-Policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(m["X-Frame-Options"]).toBe("DENY");
    expect(m["Cross-Origin-Resource-Policy"]).toBe("same-origin");
    expect(m["X-Content-Type-Options"]).toBe("nosniff");
  });

  it("a page-only header the operator set explicitly (PB_COOP, PB_REFERRER_POLICY) is still sent on the API", () => {
    const p = planFor({ PB_COOP: "same-origin-allow-popups", PB_REFERRER_POLICY: "same-origin" });
    expect(asMap(p.classes.api.plain)["Cross-Origin-Opener-Policy"]).toBe("same-origin-allow-popups");
    expect(asMap(p.classes.api.plain)["Referrer-Policy"]).toBe("same-origin");
    // The defaults stay off the API class.
    const d = planFor({});
    expect(asMap(d.classes.api.plain)["Cross-Origin-Opener-Policy"]).toBeUndefined();
    expect(asMap(d.classes.api.plain)["Referrer-Policy"]).toBeUndefined();
  });

  it("API responses leave out the headers that only act on a rendered page (DOCUMENT_ONLY, docs/headers.md)", () => {
    for (const list of [plan.classes.api.plain, plan.classes.api.secure]) {
      const names = list.map(([n]) => n);
      for (const h of DOCUMENT_ONLY) expect(names).not.toContain(h);
    }
    expect(asMap(plan.classes.api.secure)).toEqual({
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
      "X-Content-Type-Options": "nosniff",
      "X-Frame-Options": "DENY",
    });
    // Every other class still sends them.
    for (const cls of ["files", "admin", "public"] as const)
      for (const h of DOCUMENT_ONLY) expect(asMap(plan.classes[cls].plain)[h]).toBeDefined();
  });

  it("record files: embeddable cross-origin (no X-Frame-Options, as PocketBase v0.40), PocketBase's sandbox CSP", () => {
    const m = asMap(plan.classes.files.plain);
    expect(m["Cross-Origin-Resource-Policy"]).toBe("cross-origin");
    expect(m["Content-Security-Policy"]).toBe(FILES_CSP);
    expect(m["X-Frame-Options"]).toBeUndefined();
  });

  it("admin UI: its own CSP and DENY framing", () => {
    const m = asMap(plan.classes.admin.plain);
    expect(m["Content-Security-Policy"]).toBe(ADMIN_CSP);
    expect(m["X-Frame-Options"]).toBe("DENY");
  });

  it("every class sends every managed header on HTTPS, each once (files: all but X-Frame-Options; API: none of the page-only ones)", () => {
    for (const [name, cls] of Object.entries(plan.classes)) {
      const all = MANAGED_HEADERS.filter((h) => (name !== "files" || h !== "X-Frame-Options") && (name !== "api" || !DOCUMENT_ONLY.has(h)));
      expect(cls.secure.map(([n]) => n).sort()).toEqual([...all].sort());
      expect(cls.plain).toHaveLength(all.length - 1);
    }
    expect(plan.httpsMatters).toBe(true);
  });

  it("is frozen, so a request cannot alter it", () => {
    expect(Object.isFrozen(plan.classes.api.plain)).toBe(true);
    expect(Object.isFrozen(plan.classes.api.plain[0])).toBe(true);
  });
});

describe("header plan (env)", () => {
  it("PB_HSTS=force sends HSTS on plain HTTP too; off sends none", () => {
    expect(asMap(planFor({ PB_HSTS: "force" }).classes.api.plain)["Strict-Transport-Security"]).toBe("max-age=31536000; includeSubDomains");
    const off = planFor({ PB_HSTS: "off" });
    expect(asMap(off.classes.api.secure)["Strict-Transport-Security"]).toBeUndefined();
  });

  it("HTTPS detection is skipped when no header depends on it", () => {
    expect(planFor({ PB_HSTS: "off", PB_CSP_PUBLIC: "default-src 'self'" }).httpsMatters).toBe(false);
    expect(planFor({ PB_HSTS: "force", PB_CSP_PUBLIC: "default-src 'self'" }).httpsMatters).toBe(false);
  });

  it("`off` and PB_SECURITY_HEADERS_OFF drop headers; X-DNS-Prefetch-Control's own value off is still sent", () => {
    const p = planFor({ PB_CSP: "off", PB_COOP: "off", PB_SECURITY_HEADERS_OFF: "x-permitted-cross-domain-policies,Origin-Agent-Cluster" });
    const m = asMap(p.classes.api.secure);
    expect(m["Content-Security-Policy"]).toBeUndefined();
    const pub = asMap(p.classes.public.secure);
    expect(pub["Cross-Origin-Opener-Policy"]).toBeUndefined();
    expect(pub["X-Permitted-Cross-Domain-Policies"]).toBeUndefined();
    expect(pub["Origin-Agent-Cluster"]).toBeUndefined();
    expect(pub["X-DNS-Prefetch-Control"]).toBe("off");
    expect(asMap(p.classes.public.secure)["Content-Security-Policy"]).toBe(PUBLIC_CSP);
  });

  it("overrides are sent verbatim (canonical form) on every class", () => {
    const p = planFor({
      PB_X_FRAME_OPTIONS: "sameorigin",
      PB_REFERRER_POLICY: "no-referrer, strict-origin-when-cross-origin",
      PB_CORP: "same-site",
    });
    for (const cls of Object.values(p.classes)) expect(asMap(cls.plain)["X-Frame-Options"]).toBe("SAMEORIGIN"); // files too when explicit
    expect(asMap(p.classes.admin.plain)["Referrer-Policy"]).toBe("no-referrer, strict-origin-when-cross-origin");
    expect(asMap(p.classes.api.plain)["Cross-Origin-Resource-Policy"]).toBe("same-site");
    expect(asMap(p.classes.files.plain)["Cross-Origin-Resource-Policy"]).toBe("cross-origin");
  });

  it("PB_SECURITY_HEADERS=off disables the plan; PB_CORS_ORIGINS unset keeps PocketBase's CORS", () => {
    const cfg = buildConfig(schema, { PB_SECURITY_HEADERS: "off" }).headers;
    expect(buildHeaderPlan(cfg).enabled).toBe(false);
    expect(cfg.corsOrigins).toBeNull();
  });
});

describe("route classes", () => {
  it.each([
    ["/api/collections/x/records", "api"],
    ["/api", "api"],
    ["/api/files/abc/def/a.png", "files"],
    ["/_/", "admin"],
    ["/_", "admin"],
    ["/_/assets/index.js", "admin"],
    ["/", "public"],
    ["/apiary", "public"],
    ["/__/x", "public"],
    ["/index.html", "public"],
  ])("%s is %s", (path, cls) => expect(routeClassOf(path)).toBe(cls));
});

describe("HTTPS detection", () => {
  const base = { tls: false, forwardedProto: [] as string[], trustedProxyHeaders: [] as string[], useLeftmost: false };
  it("TLS is HTTPS", () => expect(isHttpsRequest({ ...base, tls: true })).toBe(true));
  it("plain HTTP is not", () => expect(isHttpsRequest(base)).toBe(false));
  it("X-Forwarded-Proto is ignored without a trusted proxy (anyone can send it)", () => {
    expect(isHttpsRequest({ ...base, forwardedProto: ["https"] })).toBe(false);
  });
  it("is believed from a trusted proxy, case-insensitively", () => {
    expect(isHttpsRequest({ ...base, forwardedProto: ["HTTPS"], trustedProxyHeaders: ["X-Forwarded-For"] })).toBe(true);
    expect(isHttpsRequest({ ...base, forwardedProto: ["http"], trustedProxyHeaders: ["X-Forwarded-For"] })).toBe(false);
  });
  it("reads the last header instance and its rightmost item, like realIP (leftmost when configured)", () => {
    const t = { ...base, trustedProxyHeaders: ["X-Forwarded-For"] };
    expect(isHttpsRequest({ ...t, forwardedProto: ["https", "http"] })).toBe(false);
    expect(isHttpsRequest({ ...t, forwardedProto: ["http", "http, https"] })).toBe(true);
    expect(isHttpsRequest({ ...t, forwardedProto: ["https, http"] })).toBe(false);
    expect(isHttpsRequest({ ...t, forwardedProto: ["https, http"], useLeftmost: true })).toBe(true);
    expect(isHttpsRequest({ ...t, forwardedProto: [""] })).toBe(false);
  });
});

describe("value validation", () => {
  it("header values: no CR/LF or controls", () => {
    expect(() => headerValue("a\r\nX-Evil: 1")).toThrow(/CR or LF/);
    expect(() => headerValue("a\u0000b")).toThrow(/control/);
    expect(() => headerValue("café")).toThrow(/non-ASCII/);
  });

  it("CSP: canonical output; typos and unquoted keywords refused", () => {
    expect(cspValue("default-src 'self' ;img-src  'self' data: https://cdn.example.com:8443/x;")).toBe(
      "default-src 'self'; img-src 'self' data: https://cdn.example.com:8443/x",
    );
    expect(
      cspValue("script-src 'nonce-abc123' 'sha256-GRUzBA7PzKYug7pqxv5rJaec5bwDCw1Vo6/IXwvD3Tc=' *.example.com; sandbox allow-scripts"),
    ).toContain("sandbox allow-scripts");
    expect(() => cspValue("default-src self")).toThrow(/must be quoted/);
    expect(() => cspValue("defualt-src 'self'")).toThrow(/unknown CSP directive/);
    expect(() => cspValue("default-src 'self'; default-src 'none'")).toThrow(/twice/);
    expect(() => cspValue("default-src 'none' 'self'")).toThrow(/cannot be combined/);
    expect(() => cspValue("default-src 'self', img-src data:")).toThrow(/comma/);
    expect(() => cspValue("default-src 'selfish'")).toThrow(/unknown keyword/);
    expect(() => cspValue("img-src")).toThrow(/no sources/);
    expect(() => cspValue("upgrade-insecure-requests yes")).toThrow(/takes no value/);
    expect(() => cspValue("default-src a\nb")).toThrow(/CR or LF/);
  });

  it("every shipped default CSP passes the validator unchanged", () => {
    for (const csp of [ADMIN_CSP, FILES_CSP, PUBLIC_CSP]) expect(cspValue(csp)).toBe(csp);
  });

  it("HSTS: forms, force, preload rules", () => {
    expect(hstsValue("off")).toBe("off");
    expect(hstsValue("force")).toEqual({ value: "max-age=31536000; includeSubDomains", force: true });
    expect(hstsValue("max-age=63072000; includesubdomains; preload")).toEqual({
      value: "max-age=63072000; includeSubDomains; preload",
      force: false,
    });
    expect(hstsValue("max-age=0; force")).toEqual({ value: "max-age=0", force: true });
    expect(() => hstsValue("max-age=1; preload; includeSubDomains")).toThrow(/preload needs/);
    expect(() => hstsValue("includeSubDomains")).toThrow(/max-age/);
    expect(() => hstsValue("max-age=abc")).toThrow(/unknown HSTS item/);
    expect(() => hstsValue("max-age=1; max-age=2")).toThrow(/twice/);
  });

  it("Referrer-Policy tokens", () => {
    expect(referrerPolicyValue("Same-Origin")).toBe("same-origin");
    expect(() => referrerPolicyValue("none")).toThrow(/unknown policy/);
  });

  it("origins: exact, canonical, no paths or wildcards", () => {
    expect(parseOrigin("https://app.example.com")).toBe("https://app.example.com");
    expect(parseOrigin("http://127.0.0.1:5173")).toBe("http://127.0.0.1:5173");
    expect(parseOrigin("http://[::1]:8080")).toBe("http://[::1]:8080");
    expect(() => parseOrigin("*")).toThrow(/not an allowlist/);
    expect(() => parseOrigin("https://*.example.com")).toThrow(/wildcards/);
    expect(() => parseOrigin("https://app.example.com/")).toThrow(/no path/);
    expect(() => parseOrigin("https://app.example.com/x")).toThrow(/no path/);
    expect(() => parseOrigin("https://App.example.com")).toThrow(/lowercase/);
    expect(() => parseOrigin("https://app.example.com:443")).toThrow(/default port/);
    expect(() => parseOrigin("ftp://app.example.com")).toThrow(/scheme/);
    expect(() => parseOrigin("app.example.com")).toThrow(/not an origin/);
    expect(() => parseOrigin("https://user@app.example.com")).toThrow(/not an origin/);
    expect(() => parseOrigin("http://x:99999")).toThrow(/bad port/);
    expect(parseCorsOrigins("none")).toEqual([]);
    expect(() => parseCorsOrigins("https://a.com,https://a.com")).toThrow(/twice/);
    expect(() => parseCorsOrigins("https://a.com,,https://b.com")).toThrow(/empty item/);
  });

  it("config errors name the variable and the reason in one line", () => {
    let err: unknown;
    try {
      buildConfig(schema, { PB_CORS_ORIGINS: "https://a.com/" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^pb-ops: invalid PB_CORS_ORIGINS="https:\/\/a.com\/": .*no path.*; expected /);
    expect((err as Error).message).not.toContain("\n");
  });
});

describe("CORS decisions", () => {
  const allowed = ["https://app.example.com"];
  it("allowed origin, real request: ACAO is the origin, Vary: Origin", () => {
    const d = corsDecision(allowed, { method: "GET", origin: "https://app.example.com", requestHeaders: "" });
    expect(d).toEqual({ vary: ["Origin"], set: [["Access-Control-Allow-Origin", "https://app.example.com"]], verdict: "allowed" });
  });
  it("allowed preflight: 204 with methods and the requested headers echoed", () => {
    const d = corsDecision(allowed, {
      method: "OPTIONS",
      origin: "https://app.example.com",
      requestHeaders: "content-type, authorization",
    });
    expect(d.answer).toBe(204);
    expect(Object.fromEntries(d.set)).toEqual({
      "Access-Control-Allow-Origin": "https://app.example.com",
      "Access-Control-Allow-Methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
      "Access-Control-Allow-Headers": "content-type, authorization",
    });
    expect(d.vary).toEqual(["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]);
  });
  it("requested headers that are not a token list are not echoed", () => {
    const d = corsDecision(allowed, { method: "OPTIONS", origin: "https://app.example.com", requestHeaders: "x-a; evil" });
    expect(Object.fromEntries(d.set)["Access-Control-Allow-Headers"]).toBeUndefined();
  });
  it("other origins: preflight refused (403), real request goes on without CORS headers", () => {
    expect(corsDecision(allowed, { method: "OPTIONS", origin: "https://evil.example", requestHeaders: "" })).toEqual({
      vary: ["Origin"],
      set: [],
      answer: 403,
      verdict: "refused",
    });
    expect(corsDecision(allowed, { method: "POST", origin: "https://app.example.com.evil.example", requestHeaders: "" })).toEqual({
      vary: ["Origin"],
      set: [],
      verdict: "refused",
    });
    expect(corsDecision(allowed, { method: "GET", origin: "null", requestHeaders: "" }).verdict).toBe("refused");
  });
  it("no Origin: like PocketBase, OPTIONS gets 204 and other methods go on", () => {
    expect(corsDecision(allowed, { method: "OPTIONS", origin: "", requestHeaders: "" }).answer).toBe(204);
    expect(corsDecision(allowed, { method: "GET", origin: "", requestHeaders: "" }).answer).toBeUndefined();
  });
});

describe("cookies", () => {
  it("HttpOnly and SameSite=Lax always; Secure on HTTPS or when forced", () => {
    expect(cookieAttributes({ https: false, forceSecure: false })).toEqual({ httpOnly: true, secure: false, sameSite: "Lax" });
    expect(cookieAttributes({ https: true, forceSecure: false }).secure).toBe(true);
    expect(cookieAttributes({ https: false, forceSecure: true }).secure).toBe(true);
    expect(cookieAttributes({ https: false, forceSecure: false, sameSite: "Strict" }).sameSite).toBe("Strict");
  });
  it("SameSite=None without Secure is refused (browsers drop it)", () => {
    expect(() => cookieAttributes({ https: false, forceSecure: false, sameSite: "None" })).toThrow(/must be Secure/);
    expect(cookieAttributes({ https: true, forceSecure: false, sameSite: "None" }).secure).toBe(true);
  });
  it("names and values that Go would silently drop are refused", () => {
    expect(() => checkCookie("pb gate", "x")).toThrow(/invalid cookie name/);
    expect(() => checkCookie("gate", "a;b")).toThrow(/invalid characters/);
    expect(() => checkCookie("gate", "abc-123_~")).not.toThrow();
  });
});

describe("one descriptor per managed header", () => {
  it("names each header once, and every variable it names is a header variable of the schema", () => {
    expect(new Set(MANAGED_HEADERS).size).toBe(MANAGED.length);
    const headerVarNames = Object.values(schema.headers).map((v) => v.name);
    for (const d of MANAGED) for (const v of d.vars) expect(headerVarNames, `${d.name}: ${v}`).toContain(v);
  });

  it("every header-value variable belongs to exactly one descriptor", () => {
    const switches = ["PB_SECURITY_HEADERS", "PB_SECURITY_HEADERS_OFF", "PB_CORS_ORIGINS", "PB_ENCRYPTION_COOKIE_SECURE"];
    for (const v of Object.values(schema.headers)) {
      if (switches.includes(v.name)) continue;
      expect(
        MANAGED.filter((d) => (d.vars as readonly string[]).includes(v.name)).map((d) => d.name),
        v.name,
      ).toHaveLength(1);
    }
  });
});
