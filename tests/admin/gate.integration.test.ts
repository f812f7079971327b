// Real PocketBase, both pinned versions, with PB_ADMIN_PATH set: /_/ and the superuser auth
// endpoints answer byte for byte like an unknown path (ignoring Date and X-Request-Id) unless the
// request carries the gate cookie from the secret path or a superuser token; a bypass corpus of
// raw-socket requests is refused one by one; a stock server (no PB_ADMIN_PATH) shows the same
// requests do reach the admin UI without pb-ops, so each corpus test could fail.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signGate } from "../../src/admin/gate-cookie";
import { POCKETBASE_VERSIONS, SUPERUSER, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { comparable, header, rawRequest, type RawResponse } from "../harness/raw-http";
import { pocketbaseLogs as logs } from "../harness/logs";
import { gateCookie, hmacHex } from "../harness/admin";

const ADMIN_PATH = "/k7Qm2vX9pL4wR8tZ3nB6x";
const OPS_SECRET = "test-secret-" + "9f86d081884c7d659a2feaa0c55ad015bf4f1b2b";
const nowS = () => Math.floor(Date.now() / 1000);
const cookieFor = (opts: { exp?: number; secret?: string; path?: string } = {}) =>
  signGate({ secret: opts.secret ?? OPS_SECRET, adminPath: opts.path ?? ADMIN_PATH }, opts.exp ?? nowS() + 3600, hmacHex);
const rand = () => "zz" + randomBytes(8).toString("hex");
const JSON_HEADERS = { "Content-Type": "application/json" };
const CREDENTIALS = JSON.stringify({ identity: SUPERUSER.email, password: SUPERUSER.password });
const SU = "/api/collections/_superusers";

interface Case {
  name: string;
  method?: string;
  /** Request target; `{port}` is replaced. */
  target: string;
  headers?: () => Record<string, string>;
  body?: string;
  /** Same request shape on an unknown name; `{R}` is a random segment mapped back before comparing.
   * Default: a plain unknown path `/<random>` with the same method, headers and body. */
  control?: string;
  /** The admin piece the control's `{R}` stands for (for mux redirects whose Location echoes it). */
  piece?: string;
}

let userToken = "";
let superuserId = "";

const ui = (name: string, target: string, extra: Partial<Case> = {}): Case => ({ name, target, ...extra });
const withCookie = (name: string, cookie: () => string): Case => ui(name, "/_/", { headers: () => ({ Cookie: cookie() }) });
const suPost = (name: string, target: string, extra: Partial<Case> = {}): Case => ({
  name,
  method: "POST",
  target,
  headers: () => JSON_HEADERS,
  body: CREDENTIALS,
  ...extra,
});

const CORPUS: Case[] = [
  ui("/_/", "/_/"),
  ui("/_ (exact route, no 301)", "/_"),
  ui("/_?x=/_/ (query)", "/_?x=/_/"),
  ui("/_/index.html", "/_/index.html"),
  ui("/_/ asset", "/_/images/favicon/favicon.png"),
  ui("/_/?x=1 (query)", "/_/?x=1"),
  ui("/_/?/../../ (query trick)", "/_/?/../../api/"),
  ui("/%5F/ (encoded _)", "/%5F/"),
  ui("/%5f/ (lower-case encoding)", "/%5f/"),
  ui("/_%2F (encoded slash)", "/_%2F"),
  ui("/%5F%2F (all encoded)", "/%5F%2F"),
  ui("/_/;x (path parameter)", "/_/;x"),
  ui("/_/#frag (raw fragment)", "/_/#frag"),
  ui("//_/ (double slash, mux 301)", "//_/", { control: "//{R}/", piece: "_" }),
  ui("/_// (trailing double slash, mux 301)", "/_//", { control: "/{R}//", piece: "_" }),
  ui("/./_/ (dot segment, mux 301)", "/./_/", { control: "/./{R}/", piece: "_" }),
  ui("/x/../_/ (dot-dot, mux 301)", "/x/../_/", { control: "/x/../{R}/", piece: "_" }),
  ui("/_/./ (dot at end, mux 301)", "/_/./", { control: "/{R}/./", piece: "_" }),
  ui("/%2e/_/ (encoded dot, mux 301)", "/%2e/_/", { control: "/%2e/{R}/", piece: "_" }),
  ui("HEAD /_/", "/_/", { method: "HEAD" }),
  ui("OPTIONS /_/ (no preflight)", "/_/", { method: "OPTIONS" }),
  ui("OPTIONS /_/ (CORS preflight)", "/_/", {
    method: "OPTIONS",
    headers: () => ({ Origin: "http://evil.example", "Access-Control-Request-Method": "GET" }),
  }),
  ui("POST /_/", "/_/", { method: "POST" }),
  ui("absolute-form target", "http://127.0.0.1:{port}/_/"),
  ui("spoofed X-Forwarded-For / X-Real-IP", "/_/", { headers: () => ({ "X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1" }) }),
  ui("X-Original-URL / X-Rewrite-URL", "/zzz", { headers: () => ({ "X-Original-URL": "/_/", "X-Rewrite-URL": "/_/" }) }),
  withCookie("forged cookie", () => `pbops_gate=v1.${nowS() + 3600}.${randomBytes(32).toString("hex")}`),
  withCookie("expired cookie", () => `pbops_gate=${cookieFor({ exp: nowS() - 5 })}`),
  withCookie("far-future cookie (beyond the TTL)", () => `pbops_gate=${cookieFor({ exp: nowS() + 100 * 86400 })}`),
  withCookie("tampered expiry", () => {
    const [v, exp, mac] = cookieFor().split(".");
    return `pbops_gate=${v}.${Number(exp) + 60}.${mac}`;
  }),
  withCookie("tampered signature", () => {
    const c = cookieFor();
    return `pbops_gate=${c.slice(0, -1)}${c.endsWith("a") ? "b" : "a"}`;
  }),
  withCookie("cookie signed with another PB_OPS_SECRET", () => `pbops_gate=${cookieFor({ secret: OPS_SECRET.replace("test", "prod") })}`),
  withCookie("cookie made for another admin path", () => `pbops_gate=${cookieFor({ path: "/another9f86d081884c7d65" })}`),
  withCookie("valid value under another cookie name case", () => `PBOPS_GATE=${cookieFor()}`),
  withCookie("empty cookie", () => "pbops_gate="),
  withCookie("malformed cookie", () => "pbops_gate=v1.."),
  withCookie("duplicate invalid cookies", () => `pbops_gate=x; pbops_gate=${cookieFor({ exp: nowS() - 1 })}`),
  ui("valid cookie value as a query parameter", "/_/?pbops_gate={valid}"),
  ui("valid cookie value in Authorization", "/_/", { headers: () => ({ Authorization: cookieFor() }) }),
  ui("a regular user's token", "/_/", { headers: () => ({ Authorization: userToken }) }),
  suPost("auth-with-password (right password)", `${SU}/auth-with-password`),
  suPost("auth-with-password, _SUPERUSERS", "/api/collections/_SUPERUSERS/auth-with-password"),
  suPost("auth-with-password, %5Fsuperusers", "/api/collections/%5Fsuperusers/auth-with-password"),
  suPost("auth-with-password, _ſuperuſers (Unicode case fold)", "/api/collections/_%C5%BFuperu%C5%BFers/auth-with-password"),
  suPost("auth-with-password by collection id", "/api/collections/pbc_3142635823/auth-with-password"),
  suPost("auth-with-password, trailing slash", `${SU}/auth-with-password/`),
  suPost("auth-with-password, /api//collections (mux 301)", "/api//collections/_superusers/auth-with-password", {
    control: "/api//{R}/_superusers/auth-with-password",
    piece: "collections",
  }),
  suPost("auth-with-password, dot-dot (mux 301)", "/api/collections/x/../_superusers/auth-with-password", {
    control: "/api/collections/x/../{R}/auth-with-password",
    piece: "_superusers",
  }),
  suPost("auth-with-password with an expired cookie", `${SU}/auth-with-password`, {
    headers: () => ({ ...JSON_HEADERS, Cookie: `pbops_gate=${cookieFor({ exp: nowS() - 5 })}` }),
  }),
  suPost("auth-with-password, HEAD-less form body", `${SU}/auth-with-password`, {
    headers: () => ({ "Content-Type": "application/x-www-form-urlencoded" }),
    body: `identity=${encodeURIComponent(SUPERUSER.email)}&password=${encodeURIComponent(SUPERUSER.password)}`,
  }),
  suPost("request-otp", `${SU}/request-otp`, { body: JSON.stringify({ email: SUPERUSER.email }) }),
  suPost("auth-with-otp", `${SU}/auth-with-otp`, { body: JSON.stringify({ otpId: "x", password: "y" }) }),
  suPost("auth-with-oauth2", `${SU}/auth-with-oauth2`, {
    body: JSON.stringify({ provider: "google", code: "x", codeVerifier: "y", redirectURL: "http://x" }),
  }),
  ui("auth-methods", `${SU}/auth-methods`),
  ui("HEAD auth-methods", `${SU}/auth-methods`, { method: "HEAD" }),
  suPost("auth-refresh without a token", `${SU}/auth-refresh`, { body: "{}" }),
  suPost("auth-refresh with a regular user's token", `${SU}/auth-refresh`, {
    body: "{}",
    headers: () => ({ ...JSON_HEADERS, Authorization: userToken }),
  }),
  suPost("impersonate without a token", `${SU}/impersonate/{suid}`, { body: "{}" }),
  suPost("request-password-reset", `${SU}/request-password-reset`, { body: JSON.stringify({ email: SUPERUSER.email }) }),
  suPost("confirm-password-reset", `${SU}/confirm-password-reset`, {
    body: JSON.stringify({ token: "x", password: "12345678aA", passwordConfirm: "12345678aA" }),
  }),
  ui("superuser records without a token", `${SU}/records`),
  ui("secret path in upper case", ADMIN_PATH.toUpperCase()),
  ui("secret path with a trailing slash", ADMIN_PATH + "/"),
  ui("secret path minus its last character", ADMIN_PATH.slice(0, -1)),
  ui("POST to the secret path", ADMIN_PATH, { method: "POST" }),
];

/**
 * The unknown resource of the same shape as an admin-surface target: the superusers collection
 * segment, or the admin UI's `_` segment, replaced by `r`; any other target's miss is `/r`.
 */
function sameShape(target: string, r: string): string {
  const abs = /^http:\/\/[^/]+/.exec(target)?.[0] ?? "";
  const t = target.slice(abs.length);
  const api = /^(\/api\/(?:collections|files)\/)([^/?#]+)(.*)$/s.exec(t);
  if (api) return abs + api[1] + r + api[3];
  const ui = /^\/(?:_|%5F|%5f)(?=[/?#;%]|$)(.*)$/s.exec(t);
  if (ui) return `${abs}/${r}${ui[1]}`;
  return "/" + r;
}

function expand(s: string, port: number): string {
  return s.replace("{port}", String(port)).replace("{valid}", encodeURIComponent(cookieFor())).replace("{suid}", superuserId);
}

async function send(pb: RunningPocketBase, c: Case, target: string): Promise<RawResponse> {
  return rawRequest(pb.port, c.method ?? "GET", expand(target, pb.port), c.headers?.() ?? {}, c.body);
}

/** The gate cookie; the admin path must set one. */
async function openGate(pb: RunningPocketBase): Promise<string> {
  const cookie = await gateCookie(pb, ADMIN_PATH);
  expect(cookie).toBeDefined();
  return cookie!;
}

async function superuserToken(pb: RunningPocketBase, cookie: string): Promise<{ token: string; id: string }> {
  const res = await fetch(`${pb.url}${SU}/auth-with-password`, {
    method: "POST",
    headers: { ...JSON_HEADERS, Cookie: cookie },
    body: CREDENTIALS,
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token: string; record: { id: string } };
  return { token: body.token, id: body.record.id };
}

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase;
  let stock: RunningPocketBase;
  let suToken = "";
  beforeAll(async () => {
    [pb, stock] = await Promise.all([
      startPocketBase({ version, env: { PB_ADMIN_PATH: ADMIN_PATH, PB_OPS_SECRET: OPS_SECRET, PB_ADMIN_GATE_TTL: "12h" } }),
      startPocketBase({ version }),
    ]);
    const cookie = await openGate(pb);
    ({ token: suToken, id: superuserId } = await superuserToken(pb, cookie));
    const email = `u${rand()}@example.com`;
    const created = await fetch(`${pb.url}/api/collections/users/records`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ email, password: "user-pass-12345", passwordConfirm: "user-pass-12345" }),
    });
    expect(created.status).toBe(200);
    const auth = await fetch(`${pb.url}/api/collections/users/auth-with-password`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ identity: email, password: "user-pass-12345" }),
    });
    userToken = ((await auth.json()) as { token: string }).token;
  });
  afterAll(async () => Promise.all([pb?.stop(), stock?.stop()]));

  describe("bypass corpus: each request answers exactly like an unknown resource of the same shape", () => {
    it.each(CORPUS)("$name", async (c) => {
      expect(CORPUS.length).toBeGreaterThanOrEqual(40);
      const got = await send(pb, c, c.target);
      const r = rand();
      const control = await send(pb, c, c.control ? c.control.replace("{R}", r) : sameShape(c.target, r));
      // For mux redirects the Location (and so the length) echoes the name: map the control's back.
      const ignore = c.piece ? ["date", "x-request-id", "content-length"] : undefined;
      const mappedBack = c.piece ? comparable(control, ignore).split(r).join(c.piece) : comparable(control);
      expect(comparable(got, ignore)).toBe(mappedBack);
      expect(header(got, "Set-Cookie") ?? "").not.toContain("pbops_gate");
      expect(got.body.toString()).not.toMatch(/<title>PocketBase|"token"/);
      // A mux redirect must lead to a refusal too.
      const location = header(got, "Location");
      if ([301, 307, 308].includes(got.status) && location) {
        const followed = await rawRequest(pb.port, c.method ?? "GET", location, c.headers?.() ?? {}, c.body);
        const miss = await rawRequest(pb.port, c.method ?? "GET", sameShape(location, rand()), c.headers?.() ?? {}, c.body);
        expect(comparable(followed)).toBe(comparable(miss));
      }
    });
  });

  describe("without pb-ops's gate (stock PocketBase) the same tricks reach the admin surface", () => {
    it.each([["/%5F/"], ["/_/"], ["/_/index.html"]])("GET %s serves or redirects to the admin UI", async (target) => {
      const r = await rawRequest(stock.port, "GET", target);
      expect([200, 301, 307]).toContain(r.status);
    });
    it("GET /_ is a redirect to /_/ (why pb-ops registers an exact /_ route)", async () => {
      const r = await rawRequest(stock.port, "GET", "/_");
      expect([301, 307]).toContain(r.status);
      expect(header(r, "Location")).toBe("/_/");
    });
    it.each([
      ["/api/collections/_%C5%BFuperu%C5%BFers/auth-with-password"],
      ["/api/collections/_SUPERUSERS/auth-with-password"],
      ["/api/collections/pbc_3142635823/auth-with-password"],
    ])("POST %s logs a superuser in", async (target) => {
      const r = await rawRequest(stock.port, "POST", target, JSON_HEADERS, CREDENTIALS);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toContain('"token"');
    });
  });

  describe("with the gate", () => {
    it("GET the secret path sets a signed, expiring, HttpOnly, SameSite=Strict cookie and redirects to /_/", async () => {
      const r = await rawRequest(pb.port, "GET", ADMIN_PATH);
      expect(r.status).toBe(302);
      expect(header(r, "Location")).toBe("/_/");
      expect(header(r, "Referrer-Policy")).toBe("no-referrer");
      expect(header(r, "Cache-Control")).toBe("no-store");
      const sc = header(r, "Set-Cookie")!;
      expect(sc).toMatch(/^pbops_gate=v1\.\d+\.[0-9a-f]{64}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
      const exp = Number(sc.split(".")[1]);
      expect(exp).toBeGreaterThan(nowS() + 43200 - 30);
      expect(exp).toBeLessThanOrEqual(nowS() + 43200 + 1);
    });

    it("the cookie is Secure behind a TLS proxy (X-Forwarded-Proto: https)", async () => {
      const r = await rawRequest(pb.port, "GET", ADMIN_PATH, { "X-Forwarded-Proto": "https" });
      expect(header(r, "Set-Cookie")).toMatch(/; Secure$/);
    });

    it("with the cookie, /_/ serves the admin UI and its assets", async () => {
      const cookie = await openGate(pb);
      const page = await rawRequest(pb.port, "GET", "/_/", { Cookie: cookie });
      expect(page.status).toBe(200);
      expect(page.body.toString()).toContain("<title>PocketBase</title>");
      const bare = await rawRequest(pb.port, "GET", "/_?a=1", { Cookie: cookie });
      expect(bare.status).toBe(301);
      expect(header(bare, "Location")).toBe("/_/?a=1");
    });

    it("a cookie signed in Node with PB_OPS_SECRET over the admin path is accepted (same HMAC-SHA256 scheme)", async () => {
      const page = await rawRequest(pb.port, "GET", "/_/", { Cookie: `pbops_gate=${cookieFor()}` });
      expect(page.status).toBe(200);
    });

    it("superuser password auth works with the gate cookie", async () => {
      const cookie = await openGate(pb);
      const r = await rawRequest(pb.port, "POST", `${SU}/auth-with-password`, { ...JSON_HEADERS, Cookie: cookie }, CREDENTIALS);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toContain('"token"');
    });

    it("requests with a superuser token keep working without the cookie", async () => {
      const records = await rawRequest(pb.port, "GET", `${SU}/records`, { Authorization: suToken });
      expect(records.status).toBe(200);
      const refresh = await rawRequest(pb.port, "POST", `${SU}/auth-refresh`, { Authorization: suToken, ...JSON_HEADERS }, "{}");
      expect(refresh.status).toBe(200);
      const settings = await rawRequest(pb.port, "GET", "/api/settings", { Authorization: suToken });
      expect(settings.status).toBe(200);
    });

    it("ordinary app routes are untouched", async () => {
      const r = await rawRequest(
        pb.port,
        "POST",
        "/api/collections/users/auth-with-password",
        JSON_HEADERS,
        JSON.stringify({ identity: "nobody@example.com", password: "x" }),
      );
      expect(r.status).toBe(400);
      expect((await rawRequest(pb.port, "GET", "/api/health")).status).toBe(200);
    });

    // pb-ops events are read from PocketBase's own log store (PB_LOG_MIRROR=events, the default):
    // the harness gives PocketBase a socket for stdout, which pb-ops's stdout writer cannot reopen.
    it("logs denials as bounded pb-ops events, and never the secret path", async () => {
      for (let i = 0; i < 25; i++) await rawRequest(pb.port, "GET", "/_/");
      const refused = await logs(pb, suToken, "message = 'admin gate: refused'", 3);
      // The corpus and the loop above sent well over 20 denials within a minute.
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.length).toBeLessThanOrEqual(20);
      expect(refused[0]!.data).toMatchObject({ reason: expect.stringMatching(/^gate-|^ip-/), ip: "127.0.0.1" });
      const all = await logs(pb, suToken, "id != ''", 1);
      expect(JSON.stringify(all)).not.toContain(ADMIN_PATH.slice(1));
      expect(JSON.stringify(all)).toContain("/[admin-path]");
    });

    it("warns at serve time about email templates that link to /_/, naming collection and template", async () => {
      const warns = await logs(pb, suToken, "message ~ 'email template links to the hidden admin UI'", 3);
      expect(warns.map((w) => `${w.data.collection}.${w.data.template}`).sort()).toEqual([
        "users.confirmEmailChangeTemplate",
        "users.resetPasswordTemplate",
        "users.verificationTemplate",
      ]);
      const su = await logs(pb, suToken, "message ~ 'superuser emails link to'", 1);
      expect(su.map((w) => w.data.collection)).toContain("_superusers");
      expect(JSON.stringify([...warns, ...su])).not.toContain(ADMIN_PATH.slice(1));
    });
  });
});
