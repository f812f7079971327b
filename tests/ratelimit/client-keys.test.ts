// Client keys and exemptions from addresses, IPv4 and IPv6.
import { describe, expect, it } from "vitest";
import { bucketKey, buildPlan, clientKeyOf, isDottedQuad, isExemptIp, SHARDS, shardOf } from "../../src/ratelimit/plan";
import { buildConfig } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import { prng } from "../harness/prng";

describe("addresses", () => {
  it("keys IPv4 by address and IPv6 by prefix (default /64), whatever the spelling", () => {
    expect(clientKeyOf("203.0.113.7", 64)).toBe("203.0.113.7");
    expect(clientKeyOf("::ffff:203.0.113.7", 64)).toBe("203.0.113.7");
    const a = clientKeyOf("2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd", 64);
    expect(a).toBe("2001:db8:1:2:0:0:0:0/64");
    expect(clientKeyOf("2001:db8:1:2::9", 64)).toBe(a);
    expect(clientKeyOf("2001:db8:1:3::9", 64)).not.toBe(a);
    expect(clientKeyOf("2001:db8:1:3::9", 56)).toBe(clientKeyOf("2001:db8:1:2::9", 56));
    expect(clientKeyOf("2001:db8::9", 128)).not.toBe(clientKeyOf("2001:db8::8", 128));
  });

  it("PB_RATE_LIMIT_EXEMPT exempts what it lists and nothing else; garbage addresses are never exempt", () => {
    const plan = buildPlan(
      buildConfig(schema, { PB_RATE_LIMIT: "1/1s", PB_RATE_LIMIT_EXEMPT: "10.0.0.0/8, 2001:db8::/32,127.0.0.2" }).rateLimit,
    );
    expect(isExemptIp(plan, "10.9.9.9")).toBe(true);
    expect(isExemptIp(plan, "2001:0db8:0000:0000:0000:0000:0000:0001")).toBe(true);
    expect(isExemptIp(plan, "127.0.0.2")).toBe(true);
    expect(isExemptIp(plan, "127.0.0.1")).toBe(false);
    expect(isExemptIp(plan, "not-an-ip")).toBe(false);
  });
});

describe("bucket keys and shards", () => {
  it("key=auth uses the auth record when there is one, the address otherwise", () => {
    expect(bucketKey("r", "auth", "1.2.3.4", "users:abc", 64)).toBe("r|auth:users:abc");
    expect(bucketKey("r", "auth", "1.2.3.4", undefined, 64)).toBe("r|1.2.3.4");
    expect(bucketKey("r", "ip", "1.2.3.4", "users:abc", 64)).toBe("r|1.2.3.4");
  });

  it("spreads keys over all shards roughly evenly", () => {
    const counts = new Array(SHARDS).fill(0);
    for (let i = 0; i < 16_000; i++) counts[shardOf(`default|10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)]++;
    for (const c of counts) expect(c).toBeGreaterThan(700);
  });
});

describe("isDottedQuad (the hand-written form of /^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$/)", () => {
  const RE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
  it("agrees with the regex on chosen and random strings", () => {
    const chosen = [
      "1.2.3.4",
      "127.0.0.1",
      "255.255.255.255",
      "999.1.1.1",
      "1.2.3",
      "1.2.3.4.5",
      "1..3.4",
      ".1.2.3",
      "1.2.3.",
      "1234.1.1.1",
      "",
      "::1",
      "1.2.3.4 ",
      "a.b.c.d",
      "01.2.3.4",
    ];
    for (const s of chosen) expect(isDottedQuad(s), s).toBe(RE.test(s));
    const rand = prng(11);
    const alphabet = "0123456789..a:";
    let valid = 0;
    for (let n = 0; n < 5000; n++) {
      let s = "";
      const len = Math.floor(rand() * 16);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      expect(isDottedQuad(s), s).toBe(RE.test(s));
      if (RE.test(s)) valid++;
    }
    expect(valid).toBeGreaterThan(0);
  });
});
