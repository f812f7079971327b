// src/net/ip.ts: the one IP/CIDR parser and matcher behind PB_ADMIN_ALLOW_IPS and
// PB_RATE_LIMIT_EXEMPT (and the rate limiter's client keys).
import { describe, expect, it } from "vitest";
import { buildConfig } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import { cidrContains, formatIp, inAnyCidr, parseCidr, parseIp } from "../../src/net/ip";

describe("addresses", () => {
  it("parses IPv4, compressed and expanded IPv6, and IPv4-mapped IPv6 as the same IPv4", () => {
    expect(parseIp("203.0.113.7")!.slice(12)).toEqual([203, 0, 113, 7]);
    expect(parseIp("2001:db8::1")).toEqual(parseIp("2001:0db8:0000:0000:0000:0000:0000:0001"));
    expect(parseIp("::ffff:203.0.113.7")).toEqual(parseIp("203.0.113.7"));
    expect(parseIp("::")).toEqual(new Array(16).fill(0));
    for (const bad of [
      "256.1.1.1",
      "1.2.3",
      "01.2.3.4",
      "2001:db8::1::2",
      "1:2:3:4:5:6:7:8:9",
      "fe80::1%eth0",
      "abc",
      "",
      "1:2:3:4:5:6:7::8:9",
    ]) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });

  it("holds IPv4 IPv4-mapped and writes addresses back out", () => {
    expect(parseIp("10.1.2.3")).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3]);
    expect(parseIp("::1")).toEqual([...new Array(15).fill(0), 1]);
    expect(parseIp("2001:db8::")).toEqual(parseIp("2001:0db8:0:0:0:0:0:0"));
    for (const bad of ["1.2.3.256", "::1::2", "x", " "]) expect(parseIp(bad), bad).toBeUndefined();
    expect(formatIp(parseIp("::ffff:10.1.2.3")!)).toBe("10.1.2.3");
    expect(formatIp(parseIp("2001:db8::1")!)).toBe("2001:db8:0:0:0:0:0:1");
  });
});

describe("CIDR ranges", () => {
  it("CIDRs: IPv4 and IPv6, single addresses, host bits below the prefix refused", () => {
    const ten = parseCidr("10.0.0.0/8");
    expect(cidrContains(ten, parseIp("10.255.1.2")!)).toBe(true);
    expect(cidrContains(ten, parseIp("11.0.0.1")!)).toBe(false);
    expect(cidrContains(ten, parseIp("::ffff:10.1.1.1")!)).toBe(true);
    const v6 = parseCidr("2001:db8::/33");
    expect(cidrContains(v6, parseIp("2001:db8:7fff::1")!)).toBe(true);
    expect(cidrContains(v6, parseIp("2001:db8:8000::1")!)).toBe(false);
    expect(cidrContains(parseCidr("203.0.113.7"), parseIp("203.0.113.7")!)).toBe(true);
    expect(cidrContains(parseCidr("203.0.113.7"), parseIp("203.0.113.8")!)).toBe(false);
    expect(cidrContains(parseCidr("0.0.0.0/0"), parseIp("8.8.8.8")!)).toBe(true);
    expect(() => parseCidr("10.1.2.3/8")).toThrow(/host bits/);
    expect(() => parseCidr("10.0.0.0/33")).toThrow(/prefix length/);
    expect(() => parseCidr("2001:db8::/129")).toThrow(/prefix length/);
    expect(() => parseCidr("example.com")).toThrow(/not an IP/);
  });

  it("matches lists: IPv4 in both spellings, IPv6 expanded, IPv4 rules never match IPv6 and the reverse only for ::/0", () => {
    const list = ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"].map(parseCidr);
    expect(inAnyCidr(list, "10.200.3.4")).toBe(true);
    expect(inAnyCidr(list, "::ffff:10.200.3.4")).toBe(true);
    expect(inAnyCidr(list, "11.0.0.1")).toBe(false);
    expect(inAnyCidr(list, "192.168.1.7")).toBe(true);
    expect(inAnyCidr(list, "192.168.1.8")).toBe(false);
    expect(inAnyCidr(list, "2001:0db8:0000:0000:0000:0000:0000:0001")).toBe(true);
    expect(inAnyCidr(list, "2001:db9::1")).toBe(false);
    expect(inAnyCidr(list, "not-an-ip")).toBe(false);
    expect(inAnyCidr([], "10.0.0.1")).toBe(false);
    expect(cidrContains(parseCidr("0.0.0.0/0"), parseIp("2001:db8::1")!)).toBe(false);
    expect(cidrContains(parseCidr("::/0"), parseIp("1.2.3.4")!)).toBe(true);
  });

  it.each([
    ["10.0.0.1/8", /host bits set \(did you mean 10\.0\.0\.0\/8\?\)/],
    ["2001:db8::1/32", /host bits set \(did you mean 2001:db8:0:0:0:0:0:0\/32\?\)/],
    ["10.0.0.0/33", /bad prefix length \(0\.\.32\)/],
    ["10.0.0.0/x", /prefix length/],
    ["example.com", /"example.com" is not an IP address or CIDR/],
  ])("refuses %j with a reason naming it", (raw, why) => {
    expect(() => parseCidr(raw)).toThrow(why);
  });

  it("carries the network as bytes and as 8 groups of 16 bits, both masked", () => {
    const c = parseCidr(" 10.0.0.0/8 ");
    expect(c.text).toBe("10.0.0.0/8");
    expect(c.bits).toBe(104);
    expect(c.ip).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0a00, 0]);
    expect(c.bytes).toEqual(parseIp("10.0.0.0"));
  });

  it("PB_ADMIN_ALLOW_IPS and PB_RATE_LIMIT_EXEMPT parse the same list to the same ranges, and refuse the same way", () => {
    const list = "10.0.0.0/8, 2001:db8::/32,127.0.0.2";
    const c = buildConfig(schema, { PB_ADMIN_ALLOW_IPS: list, PB_RATE_LIMIT_EXEMPT: list });
    expect(c.admin.allowIps).toEqual(c.rateLimit.exempt);
    for (const bad of ["10.0.0.1/8", "office", "10.0.0.0/40"]) {
      const a = () => buildConfig(schema, { PB_ADMIN_ALLOW_IPS: bad });
      const r = () => buildConfig(schema, { PB_RATE_LIMIT_EXEMPT: bad });
      let reasonA = "";
      let reasonR = "";
      try {
        a();
      } catch (err) {
        reasonA = (err as { reason: string }).reason;
      }
      try {
        r();
      } catch (err) {
        reasonR = (err as { reason: string }).reason;
      }
      expect(reasonA, bad).not.toBe("");
      expect(reasonA, bad).toBe(reasonR);
    }
  });
});
