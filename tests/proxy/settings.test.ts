// Trusted proxy from env: parsing PB_TRUSTED_PROXY_HEADERS, writing only what differs (idempotent
// boot), and telling a request through an untrusted proxy from a trusted or a direct one.
import { describe, expect, it } from "vitest";
import { buildConfig, ConfigError } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import { parseProxyHeaders } from "../../src/proxy/config";
import { lookAtProxyHeaders, sameTrustedProxy, trustedProxyChange } from "../../src/proxy/settings";

describe("PB_TRUSTED_PROXY_HEADERS", () => {
  it("off by default: PocketBase's own setting is left alone", () => {
    const cfg = buildConfig(schema, {});
    expect(cfg.proxy).toEqual({ headers: null, leftmostIp: false });
    expect(trustedProxyChange(cfg.proxy.headers, false, { headers: ["x-real-ip"], useLeftmostIP: true })).toBeNull();
  });

  it("a comma list of header names, lower-cased; bad names, empty items and duplicates are refused", () => {
    expect(parseProxyHeaders("do-connecting-ip")).toEqual(["do-connecting-ip"]);
    expect(parseProxyHeaders(" X-Real-IP , CF-Connecting-IP ")).toEqual(["x-real-ip", "cf-connecting-ip"]);
    expect(parseProxyHeaders("OFF")).toBeNull();
    expect(() => parseProxyHeaders("do connecting ip")).toThrow(/not a header name/);
    expect(() => parseProxyHeaders("x-real-ip:")).toThrow(/not a header name/);
    expect(() => parseProxyHeaders("a,,b")).toThrow(/empty item/);
    expect(() => parseProxyHeaders("x-real-ip,X-Real-Ip")).toThrow(/listed twice/);
    expect(() => buildConfig(schema, { PB_TRUSTED_PROXY_LEFTMOST_IP: "left" })).toThrow(ConfigError);
  });
});

describe("writing the setting", () => {
  it("writes when it differs: headers, their order, or the side", () => {
    expect(trustedProxyChange(["do-connecting-ip"], false, { headers: [], useLeftmostIP: false })).toEqual({
      headers: ["do-connecting-ip"],
      useLeftmostIP: false,
    });
    expect(trustedProxyChange(["a", "b"], false, { headers: ["b", "a"], useLeftmostIP: false })).not.toBeNull();
    expect(trustedProxyChange(["a"], true, { headers: ["a"], useLeftmostIP: false })).toEqual({ headers: ["a"], useLeftmostIP: true });
  });

  it("writes nothing when PocketBase already holds it (names compared as Go compares them, case-insensitively)", () => {
    expect(trustedProxyChange(["do-connecting-ip"], false, { headers: ["Do-Connecting-Ip"], useLeftmostIP: false })).toBeNull();
    expect(sameTrustedProxy({ headers: ["x"], useLeftmostIP: true }, { headers: ["X"], useLeftmostIP: true })).toBe(true);
  });
});

describe("looking at a request", () => {
  const req = (h: Record<string, string>) => (name: string) => (h[name.toLowerCase()] ?? "") !== "";

  it("untrusted: known proxy headers on the request and none of them trusted", () => {
    expect(lookAtProxyHeaders(req({ "do-connecting-ip": "1.2.3.4", "x-forwarded-for": "1.2.3.4" }), [])).toEqual({
      kind: "untrusted",
      headers: ["do-connecting-ip", "x-forwarded-for"],
    });
    expect(lookAtProxyHeaders(req({ "cf-connecting-ip": "1.2.3.4" }), ["do-connecting-ip"])).toEqual({
      kind: "untrusted",
      headers: ["cf-connecting-ip"],
    });
  });

  it("trusted: a trusted header is present, whatever else rides along (App Platform also sends X-Forwarded-For)", () => {
    expect(lookAtProxyHeaders(req({ "do-connecting-ip": "1.2.3.4", "x-forwarded-for": "1.2.3.4" }), ["do-connecting-ip"])).toEqual({
      kind: "trusted",
    });
  });

  it("none: a direct request (health checks from inside the platform, local clients)", () => {
    expect(lookAtProxyHeaders(req({ "user-agent": "curl" }), [])).toEqual({ kind: "none" });
  });
});
