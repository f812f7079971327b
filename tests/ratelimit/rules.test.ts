// The PB_RATE_LIMIT* grammar and the rule table, as pure functions.
import { describe, expect, it } from "vitest";
import { buildConfig, ConfigError } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import { addressKeyMemoKey, BUILTIN_AUTH_RULES, bucketKey, buildPlan } from "../../src/ratelimit/plan";
import { canonicalSegments, firstMatch, matchMemoKey, parseRateWords, parseRule, parseRules, segmentsOf } from "../../src/ratelimit/rules";

const req = (method: string, path: string, authenticated = false) => ({ method, segments: segmentsOf(path), authenticated });

describe("rate grammar COUNT/WINDOW [options]", () => {
  it("100/60s is a bucket of 100 refilled at 100 per 60 s", () => {
    const s = parseRateWords(["100/60s"], true);
    expect(s.limit).toEqual({ rate: 100 / 60, burst: 100 });
    expect(s).toMatchObject({ count: 100, windowS: 60, cost: 1, key: "ip" });
  });

  it("accepts minutes, hours, a day, and burst/cost/key options", () => {
    expect(parseRateWords(["5/1m"], true).limit).toEqual({ rate: 5 / 60, burst: 5 });
    expect(parseRateWords(["3600/1h", "burst=10", "cost=2", "key=auth"], true)).toMatchObject({
      limit: { rate: 1, burst: 10 },
      cost: 2,
      key: "auth",
      windowS: 3600,
    });
    expect(parseRateWords(["1000/1d"], true).windowS).toBe(86_400);
  });

  it.each([
    [["100"], /not COUNT\/WINDOW/],
    [["0/60s"], /COUNT must be a whole number from 1/],
    [["-1/60s"], /not COUNT\/WINDOW/],
    [["1.5/60s"], /not COUNT\/WINDOW/],
    [["100/60"], /not a duration/],
    [["100/500ms"], /1s to 1d/],
    [["100/1500ms"], /whole seconds/],
    [["100/2d"], /1s to 1d/],
    [["10/60s", "burst=0"], /burst must be/],
    [["10/60s", "burst=5", "cost=6"], /above the bucket size 5/],
    [["10/60s", "key=user"], /key=ip or key=auth/],
    [["10/60s", "colour=red"], /unknown option/],
    [["10/60s", "burst=2", "burst=3"], /given twice/],
  ])("rejects %j", (words, why) => {
    expect(() => parseRateWords(words, true)).toThrow(why);
  });
});

describe("rule grammar", () => {
  it("parses method, alternative paths, audience, options and name", () => {
    const r = parseRule("post /api/collections/*/records|/api/batch @auth 10/60s burst=3 key=auth name=writes", "rule1");
    expect(r).toMatchObject({ name: "writes", method: "POST", audience: "auth", key: "auth", limit: { burst: 3 } });
    expect(r.paths).toEqual([
      ["api", "collections", "*", "records"],
      ["api", "batch"],
    ]);
    expect(r.policyHeader).toBe('"writes";q=10;w=60');
  });

  it("a rule without method or name matches any method and gets an automatic name", () => {
    const r = parseRule("/api/files/ 600/60s", "rule2");
    expect(r).toMatchObject({ name: "rule2", method: undefined, audience: "any" });
    expect(r.paths).toEqual([["api", "files"]]);
  });

  it.each([
    ["FETCH /api 1/1s", /neither a method/],
    ["GET 1/1s", /must start with \//],
    ["GET /api/x*y 1/1s", /bad segment/],
    ["GET /api @admin 1/1s", /@guest or @auth/],
    ["GET /api @guest 1/1s key=auth", /guests have no auth record/],
    ["GET /api", /not COUNT\/WINDOW/],
    ["GET /api 5/1s name=Bad!", /name=/],
  ])("rejects %j", (text, why) => {
    expect(() => parseRule(text, "r")).toThrow(why);
  });

  it("rules are split on ; or newlines; names must be unique and not built in", () => {
    expect(parseRules("GET /a 1/1s; POST /b 2/1s\n/c 3/1s").map((r) => r.name)).toEqual(["rule1", "rule2", "rule3"]);
    expect(parseRules("none")).toEqual([]);
    expect(() => parseRules("/a 1/1s;;/b 1/1s")).toThrow(/empty rule/);
    expect(() => parseRules("/a 1/1s name=x; /b 1/1s name=x")).toThrow(/used twice/);
    expect(() => parseRules("/a 1/1s name=default")).toThrow(/built in/);
    expect(() => parseRules("/a 1/1s name=rule2; /b 1/1s")).toThrow(/"rule2" is used twice/);
  });
});

describe("matching", () => {
  it("a path matches itself and what is below it, segment-wise; * is one segment", () => {
    const [r] = parseRules("GET /api/collections/*/records 1/1s");
    expect(firstMatch([r!], req("GET", "/api/collections/posts/records"))).toBe(r);
    expect(firstMatch([r!], req("GET", "/api/collections/posts/records/abc"))).toBe(r);
    expect(firstMatch([r!], req("GET", "/api/collections/posts/recordsX"))).toBeUndefined();
    expect(firstMatch([r!], req("GET", "/api/collections/records"))).toBeUndefined();
    expect(firstMatch([r!], req("POST", "/api/collections/posts/records"))).toBeUndefined();
  });

  it("audience @guest / @auth follows whether the request carries auth", () => {
    const rules = parseRules("/api @guest 1/1s name=g; /api @auth 1/1s name=a");
    expect(firstMatch(rules, req("GET", "/api/x", false))?.name).toBe("g");
    expect(firstMatch(rules, req("GET", "/api/x", true))?.name).toBe("a");
  });

  it("order: user rules, then built-in auth rules (superusers first), then the default /api/ rule", () => {
    const cfg = buildConfig(schema, {
      PB_RATE_LIMIT: "100/60s",
      PB_RATE_LIMIT_RULES: "POST /api/collections/special/auth-with-password 50/60s",
    });
    const plan = buildPlan(cfg.rateLimit);
    const name = (m: string, p: string) => firstMatch(plan.rules, req(m, p))?.name;
    expect(name("POST", "/api/collections/special/auth-with-password")).toBe("rule1");
    expect(name("POST", "/api/collections/_superusers/auth-with-password")).toBe("superuser-auth");
    expect(name("POST", "/api/collections/users/auth-with-password")).toBe("auth");
    expect(name("POST", "/api/collections/users/auth-with-otp")).toBe("auth");
    expect(name("POST", "/api/collections/users/request-password-reset")).toBe("auth-email");
    expect(name("POST", "/api/collections/users/request-verification")).toBe("auth-email");
    expect(name("GET", "/api/collections/users/auth-methods")).toBe("default");
    expect(name("GET", "/api/health")).toBe("default");
    expect(name("GET", "/_/")).toBeUndefined();
    expect(name("GET", "/apix")).toBeUndefined();
  });

  it("the built-in auth rules are written in the user grammar and parse", () => {
    expect(parseRules(BUILTIN_AUTH_RULES, []).map((r) => r.name)).toEqual(["superuser-auth", "auth", "auth-email"]);
  });
});

describe("PB_RATE_LIMIT* through the config loader", () => {
  it("defaults: limiter off, auth rules on, superusers exempt, 100000 keys, IPv6 /64", () => {
    const plan = buildPlan(buildConfig(schema, {}).rateLimit);
    expect(plan).toMatchObject({ enabled: false, exemptSuperusers: true, ipv6Prefix: 64, shardCap: 6250 });
  });

  it("PB_RATE_LIMIT or PB_RATE_LIMIT_RULES alone turns the limiter on; PB_RATE_LIMIT_AUTH=off drops the auth rules", () => {
    expect(buildPlan(buildConfig(schema, { PB_RATE_LIMIT: "5/10s" }).rateLimit).enabled).toBe(true);
    const only = buildPlan(buildConfig(schema, { PB_RATE_LIMIT_RULES: "/api/x 1/1s", PB_RATE_LIMIT_AUTH: "off" }).rateLimit);
    expect(only.enabled).toBe(true);
    expect(only.rules.map((r) => r.name)).toEqual(["rule1"]);
  });

  it.each([
    ["PB_RATE_LIMIT", "fast"],
    ["PB_RATE_LIMIT", "100/60s name=x"],
    ["PB_RATE_LIMIT", "100/60s key=auth"],
    ["PB_RATE_LIMIT_RULES", "GET /api"],
    ["PB_RATE_LIMIT_AUTH", "strict"],
    ["PB_RATE_LIMIT_EXEMPT", "10.0.0.1/8"],
    ["PB_RATE_LIMIT_SUPERUSERS", "sometimes"],
    ["PB_RATE_LIMIT_MAX_KEYS", "10"],
    ["PB_RATE_LIMIT_IPV6_PREFIX", "200"],
  ])("%s=%j is a ConfigError (stops boot)", (name, value) => {
    expect(() => buildConfig(schema, { [name]: value })).toThrow(ConfigError);
  });
});

describe("the match memo key", () => {
  it("differs whenever a fact the matcher reads differs (method, audience, path, collection spelling)", () => {
    const base = matchMemoKey("GET", "/api/collections/posts/records", "posts", false);
    expect(matchMemoKey("GET", "/api/collections/posts/records", "posts", false)).toBe(base);
    for (const other of [
      matchMemoKey("POST", "/api/collections/posts/records", "posts", false),
      matchMemoKey("GET", "/api/collections/posts/records", "posts", true),
      matchMemoKey("GET", "/api/collections/Posts/records", "Posts", false),
      matchMemoKey("GET", "/api/collections/posts/records/x", "posts", false),
    ]) {
      expect(other).not.toBe(base);
    }
  });
});

describe("memo keys never join requests that differ", () => {
  // The adapter memoises firstMatch per VM by matchMemoKey (src/adapter/ratelimit.ts ruleFor): two
  // requests with one key get one rule. Every combination of these facts, spaces and digits included
  // (decoded paths, a batch sub-request's free-form method), is matched on the same rule table.
  const rules = parseRules(
    [
      "GET /api/collections/posts/records @auth 100/60s name=posts-read-auth",
      "GET /api/collections/posts 100/60s name=posts-read",
      "POST /api/collections/*/records 10/60s key=auth name=writes",
      "/api/collections/users 7/60s name=users",
      "/api/files 600/60s name=files",
      "* /api 300/60s name=api",
    ].join(";"),
  );
  // PocketBase resolves a `{collection}` value by id or by name, case-insensitively.
  const known: Record<string, string> = { posts: "posts", pbc_1: "posts", "a b": "a b", users: "users" };
  const resolve = (c: string) => known[c.toLowerCase()];
  const methods = ["GET", "HEAD", "POST", "GET 1", "1 GET", "GET1"];
  const collections = ["", "posts", "Posts", "pbc_1", "a b", "b ", "1 ", " 1", "users"];
  const paths = [
    "/api/collections/posts/records",
    "/api/collections/Posts/records",
    "/api/collections/pbc_1/records",
    "/api/collections/a b/records",
    "/api/collections/a",
    "/api/collections/a b",
    "/api/collections/users/records",
    "/api/files/posts/x/y.png",
    "/api/health",
    "/api/x 1",
    "/api/x",
    "/",
  ];

  it("two requests that match different rules never share a memo key, and one key is one request", () => {
    const byKey = new Map<string, { facts: string; rule: string }>();
    const seenRules = new Set<string>();
    for (const method of methods)
      for (const path of paths)
        for (const collection of collections)
          for (const authenticated of [false, true]) {
            const rule =
              firstMatch(rules, { method, segments: canonicalSegments(path, resolve(collection)), authenticated })?.name ?? "none";
            seenRules.add(rule);
            const key = matchMemoKey(method, path, collection, authenticated);
            const facts = JSON.stringify([method, path, collection, authenticated]);
            const before = byKey.get(key);
            if (before) {
              expect(before.rule, `${before.facts} and ${facts} share the key ${JSON.stringify(key)}`).toBe(rule);
              expect(before.facts, `${before.facts} and ${facts} share the key ${JSON.stringify(key)}`).toBe(facts);
            } else byKey.set(key, { facts, rule });
          }
    // The table above is worth something only if the requests meet several rules.
    expect([...seenRules].sort()).toEqual(["api", "files", "none", "posts-read", "posts-read-auth", "users", "writes"]);
    expect(byKey.size).toBe(methods.length * paths.length * collections.length * 2);
  });

  it("an address memo key stands for one bucket key", () => {
    const byMemo = new Map<string, string>();
    for (const name of ["default", "auth", "rule1", "a-b"])
      for (const ip of ["203.0.113.7", "::ffff:203.0.113.7", "2001:db8::1", "2001:db8::2", "10.0.0.1"])
        for (const kind of ["ip", "auth"] as const) {
          const memo = addressKeyMemoKey(name, ip);
          const key = bucketKey(name, kind, ip, undefined, 64);
          expect(byMemo.get(memo) ?? key).toBe(key);
          byMemo.set(memo, key);
        }
    expect(byMemo.size).toBe(4 * 5);
  });
});
