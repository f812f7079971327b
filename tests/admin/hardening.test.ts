// Pure pieces of issue 15: reading the admin surface from PocketBase's routing (mux pattern and
// `{collection}` path value), same-shape miss paths, near-miss detection of the secret path,
// rate-limit rules matched on the resolved resource (case folding, HEAD as GET), dangerous-setting
// warnings, query redaction of OAuth2 code/state, the per-VM carried denial count, misspelt
// variables shown redacted, and the Mann-Whitney test the timing test relies on.
import { describe, expect, it } from "vitest";
import { spendLogBudget } from "../../src/admin/log-budget";
import {
  collectionSegmentOf,
  isAdminUiPattern,
  isCatchAll,
  isSuperusersRef,
  mentionsSecret,
  SUPERUSERS_ID,
  surfaceOfRoute,
  uiMissPath,
  withCollection,
} from "../../src/admin/paths";
import { buildConfig, ConfigError } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import { makeRedactor, REDACTED } from "../../src/log/redact";
import { parseCidr } from "../../src/net/ip";
import { canonicalSegments, firstMatch, parseRules } from "../../src/ratelimit/rules";
import { rateLimitWarnings, shadows } from "../../src/ratelimit/warnings";
import { mannWhitney, normalCdf } from "../harness/stats";

const IDS = [SUPERUSERS_ID];

describe("admin surface from the routed request", () => {
  it.each([
    ["GET /_/{path...}", "", "ui"],
    ["GET /_", "", "ui"],
    ["GET /api/collections/{collection}/auth-methods", "_superusers", "superusers"],
    ["POST /api/collections/{collection}/auth-with-password", "_SUPERUSERS", "superusers"],
    ["POST /api/collections/{collection}/auth-with-password", "_ſuperuſers", "superusers"],
    ["GET /api/collections/{collection}/records", SUPERUSERS_ID, "superusers"],
    ["GET /api/files/{collection}/{recordId}/{filename}", "_Superusers", "superusers"],
    ["GET /api/collections/{collection}/records", "users", null],
    ["GET /api/collections/{collection}/records", "PBC_3142635823", null], // ids match exactly
    ["GET /api/collections/{collection}/records", "_superuserss", null],
    ["GET /{path...}", "", null],
    ["/", "", null],
  ])("%s with {collection}=%j -> %s", (pattern, collection, want) => {
    expect(surfaceOfRoute(pattern, collection, IDS)).toBe(want);
  });

  it("the catch-all patterns are the miss routes; the UI patterns are not", () => {
    expect(isCatchAll("GET /{path...}")).toBe(true);
    expect(isCatchAll("/")).toBe(true);
    expect(isCatchAll("GET /_/{path...}")).toBe(false);
    expect(isAdminUiPattern("GET /_/{path...}")).toBe(true);
    expect(isAdminUiPattern("GET /{path...}")).toBe(false);
  });

  it("isSuperusersRef follows FindCachedCollectionByNameOrId: exact id, EqualFold name", () => {
    expect(isSuperusersRef("_sUpErUsErS", IDS)).toBe(true);
    expect(isSuperusersRef("", IDS)).toBe(false);
    expect(isSuperusersRef("custom_id", [...IDS, "custom_id"])).toBe(true);
  });
});

describe("same-shape miss paths", () => {
  it.each([
    ["/_/", "/n/"],
    ["/_", "/n"],
    ["/_/a/b.png", "/n/a/b.png"],
    ["/_/%2e%2e", "/n/%2e%2e"],
  ])("uiMissPath(%j) -> %j", (p, want) => expect(uiMissPath(p, "n")).toBe(want));

  it("collectionSegmentOf decodes once and keeps the query; withCollection swaps only that segment", () => {
    expect(collectionSegmentOf("/api/collections/%5Fsuperusers/records?x=1")).toEqual({
      collection: "_superusers",
      index: 3,
      path: "/api/collections/_superusers/records",
      query: "?x=1",
    });
    expect(collectionSegmentOf("/api/batch")).toBeNull();
    expect(withCollection("/api/collections/_SUPERUSERS/records/abc?expand=x", "zzzzzzzzzzz")).toBe(
      "/api/collections/zzzzzzzzzzz/records/abc?expand=x",
    );
  });
});

describe("near misses of the secret admin path", () => {
  const SECRET = "/Xq7Lm2vR9pT4wK8zN3bY6c";
  it.each([
    SECRET,
    SECRET + "/",
    SECRET.toUpperCase(),
    SECRET.slice(0, -1),
    "/x" + SECRET,
    "/%58q7Lm2vR9pT4wK8zN3bY6c",
    `next=${SECRET}`,
    SECRET.slice(0, 13),
    "/" + SECRET.slice(-12),
  ])("%s mentions it", (t) => {
    expect(mentionsSecret(t, SECRET)).toBe(true);
  });
  it.each(["/", "/api/health", "/Xq7Lm2vR9pT", "", "/_/"])("%j does not", (t) => expect(mentionsSecret(t, SECRET)).toBe(false));
});

describe("rate-limit rules match the resource", () => {
  const rules = parseRules(
    "GET /api/collections/Posts/records 3/60s name=read; HEAD /api/x 1/60s name=head-x; GET /api/x 2/60s name=get-x",
  );
  const m = (method: string, path: string, collection?: string) =>
    firstMatch(rules, { method, segments: canonicalSegments(path, collection), authenticated: false })?.name;

  it("collection names in rules and requests are folded like Go's EqualFold", () => {
    expect(rules[0]!.paths[0]).toEqual(["api", "collections", "posts", "records"]);
    expect(m("GET", "/api/collections/POSTS/records")).toBe("read");
    expect(m("GET", "/api/collections/po\u017fts/records")).toBe("read");
  });

  it("a collection id meets the rule of the collection's name (the adapter resolves it)", () => {
    expect(m("GET", "/api/collections/pbc_123/records", "posts")).toBe("read");
    expect(m("GET", "/api/collections/pbc_123/records")).toBeUndefined();
  });

  it("HEAD meets GET rules unless a rule names HEAD", () => {
    expect(m("HEAD", "/api/collections/posts/records")).toBe("read");
    expect(m("HEAD", "/api/x")).toBe("head-x");
    expect(m("GET", "/api/x")).toBe("get-x");
  });
});

describe("warnings for valid but dangerous settings", () => {
  const base = {
    rate: undefined,
    rules: [] as ReturnType<typeof parseRules>,
    auth: "on" as const,
    exempt: [] as ReturnType<typeof parseCidr>[],
    superusers: "exempt" as const,
    maxKeys: 100000,
    ipv6Prefix: 64,
  };

  it("an exemption for every address, and very broad ones, warn; narrow ones do not", () => {
    const w = rateLimitWarnings({ ...base, exempt: ["0.0.0.0/0", "::/0", "0.0.0.0/4", "10.0.0.0/8", "2001:db8::/32"].map(parseCidr) });
    expect(w).toHaveLength(3);
    expect(w[0]).toMatch(/0\.0\.0\.0\/0.*every IPv4/);
    expect(w[1]).toMatch(/::\/0.*every IPv6/);
    expect(w[2]).toMatch(/0\.0\.0\.0\/4.*large share/);
  });

  it("a rule that an earlier rule always takes first warns", () => {
    const rules = parseRules(
      "GET /api/collections 100/60s name=all; GET /api/collections/posts/records 5/60s name=never; POST /api/x 1/60s name=ok",
    );
    const w = rateLimitWarnings({ ...base, rules });
    expect(w).toEqual([expect.stringMatching(/rule "never" .* can never match: rule "all"/)]);
  });

  it("shadows: method, audience and paths must all be covered", () => {
    const [a, b, c, d] = parseRules("GET /api/x 1/1s name=a; /api/x/y 1/1s name=b; /api @auth 1/1s name=c; GET /api/* 1/1s name=d");
    expect(shadows(a!, b!)).toBe(false); // b also takes POST
    expect(shadows(c!, a!)).toBe(false); // c takes only signed-in requests
    expect(shadows(d!, a!)).toBe(true);
  });

  it("a looser user rule swallowing superuser sign-in warns", () => {
    const w = rateLimitWarnings({ ...base, rules: parseRules("POST /api/collections 100/60s name=loose") });
    expect(w.some((m) => /superuser-auth/.test(m))).toBe(true);
  });

  it("sensible settings log nothing", () => {
    expect(
      rateLimitWarnings({ ...base, exempt: [parseCidr("10.0.0.0/8")], rules: parseRules("POST /api/collections/posts/records 10/60s") }),
    ).toEqual([]);
  });
});

describe("query redaction", () => {
  const r = makeRedactor([]);
  it("OAuth2 code and state are redacted by exact name; look-alike names are kept", () => {
    expect(r.query("code=abc&state=def&x=1")).toBe(`code=${REDACTED}&state=${REDACTED}&x=1`);
    expect(r.path("/api/oauth2-redirect?state=s&code=c")).toBe(`/api/oauth2-redirect?state=${REDACTED}&code=${REDACTED}`);
    expect(r.query("zipcode=1&estate=2")).toBe("zipcode=1&estate=2");
  });
  it("an unchanged query is the same string (no rewrite needed)", () => {
    const q = "a=1&b=2";
    expect(r.query(q)).toBe(q);
  });
});

describe("denial log budget", () => {
  it("denials a VM suppressed on its own join the shared report", () => {
    const a = spendLogBudget(undefined, 0, 1, 60_000, 0);
    const b = spendLogBudget(a.next, 10, 1, 60_000, 7);
    expect(b.log).toBe(false);
    expect(b.next.suppressed).toBe(8);
    expect(spendLogBudget(b.next, 60_001, 1, 60_000).reportSuppressed).toBe(8);
  });
});

describe("a misspelt variable", () => {
  it.each([["PB_ADMIN_PATHS"], ["PB_OPS_SECRT"], ["PB_OPS_TOKN"]])("%s stops boot without its value", (name) => {
    let err: unknown;
    try {
      buildConfig(schema, { [name]: "/very-secret-value-123" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/did you mean/);
    expect((err as Error).message).not.toContain("very-secret-value");
  });
});

describe("Mann-Whitney U (the timing test's statistic)", () => {
  it("normalCdf matches known values", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-2.575829)).toBeCloseTo(0.005, 5);
  });
  it("textbook example: U and a two-sided p", () => {
    // Two small samples; U for the first = number of (a, b) pairs with a > b (ties 1/2).
    const a = [1.1, 2.2, 3.3, 4.4, 9.9];
    const b = [5.5, 6.6, 7.7, 8.8, 0.5];
    const mw = mannWhitney(a, b);
    expect(mw.u).toBe(9);
    expect(mw.p).toBeGreaterThan(0.3);
  });
  it("finds a shift in large samples and none between halves of one distribution", () => {
    const rnd = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const r = rnd(7);
    const x = Array.from({ length: 400 }, () => r());
    const y = Array.from({ length: 400 }, () => r());
    expect(mannWhitney(x, y).p).toBeGreaterThan(0.01);
    expect(
      mannWhitney(
        x,
        y.map((v) => v + 0.15),
      ).p,
    ).toBeLessThan(0.01);
  });
});
