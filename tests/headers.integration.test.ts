// Real PocketBase, both pinned versions: every route class carries pb-ops's security headers
// (API JSON, 404s, a thrown error, a record file, a pb_public page, the admin UI), HSTS appears
// exactly when the request is HTTPS (or forced), the CORS allowlist holds for preflights and
// requests, cookies set through pb-ops get their attributes, and PB_SECURITY_HEADERS=off gives back
// PocketBase's own behaviour.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConfig } from "../src/config/load";
import { schema } from "../src/config/schema";
import { MANAGED_HEADERS } from "../src/headers/defaults";
import { buildHeaderPlan } from "../src/headers/policy";
import type { RouteClass } from "../src/headers/route-class";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "./harness/pocketbase";

const TEST_HOOKS = {
  "zz_headers_test.pb.js": `
routerAdd("GET", "/api/test/throw", (e) => {
  throw new Error("boom");
});
routerAdd("GET", "/api/test/cookie", (e) => {
  const ops = require(\`\${__hooks}/pb_ops/index.js\`);
  ops.setCookie(e, { name: "pbops_test", value: "v1", maxAgeSeconds: 60 });
  return e.json(200, { https: ops.isHttps(e) });
});
`,
};

const PNG_1X1 = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
const ALLOWED_ORIGIN = "http://127.0.0.1:4111";

/** The managed headers of a response, by canonical name (absent ones left out). */
function managed(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of MANAGED_HEADERS) {
    const v = h.get(name);
    if (v !== null) out[name] = v;
  }
  return out;
}

/** What the plan says a class gets (the plan itself is checked against helmet in headers.test.ts). */
function expected(env: Record<string, string>, cls: RouteClass, secure: boolean): Record<string, string> {
  const plan = buildHeaderPlan(buildConfig(schema, env).headers);
  return Object.fromEntries(plan.classes[cls][secure ? "secure" : "plain"]);
}

function publicDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pbops-public-"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>front</title><p>front end</p>\n");
  return dir;
}

async function uploadFile(pb: RunningPocketBase): Promise<string> {
  const auth = { Authorization: await pb.superuserToken() };
  const col = await fetch(`${pb.url}/api/collections`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ name: "attachments", type: "base", viewRule: "", fields: [{ name: "doc", type: "file", maxSelect: 1, maxSize: 1_000_000 }] }),
  });
  expect(col.status, await col.clone().text()).toBe(200);
  const form = new FormData();
  form.append("doc", new Blob([PNG_1X1], { type: "image/png" }), "pixel.png");
  const rec = await fetch(`${pb.url}/api/collections/attachments/records`, { method: "POST", headers: auth, body: form });
  const body = (await rec.json()) as { id: string; collectionId: string; doc: string };
  expect(rec.status, JSON.stringify(body)).toBe(200);
  return `/api/files/${body.collectionId}/${body.id}/${body.doc}`;
}

async function setTrustedProxy(pb: RunningPocketBase, headers: string[], useLeftmostIP = false): Promise<void> {
  const res = await fetch(`${pb.url}/api/settings`, {
    method: "PATCH",
    headers: { Authorization: await pb.superuserToken(), "content-type": "application/json" },
    body: JSON.stringify({ trustedProxy: { headers, useLeftmostIP } }),
  });
  expect(res.status, await res.text()).toBe(200);
}

describe.each(POCKETBASE_VERSIONS)("PocketBase %s, default headers", (version: string) => {
  const env = { PB_CORS_ORIGINS: ALLOWED_ORIGIN };
  let pb: RunningPocketBase;
  let pub: string;
  let filePath: string;
  beforeAll(async () => {
    pub = publicDir();
    // The harness's data dirs live in /tmp, so PocketBase's default migrations dir is the shared
    // /tmp/pb_migrations, and automigrate would write the test collection there for every later
    // PocketBase on this machine to apply: keep both private to this instance.
    pb = await startPocketBase({
      version,
      env,
      extraHooks: TEST_HOOKS,
      serveArgs: ["--publicDir", pub, "--indexFallback=false", "--automigrate=false", "--migrationsDir", `${pub}-migrations`],
    });
    filePath = await uploadFile(pb);
  });
  afterAll(async () => {
    await pb?.stop();
    rmSync(pub, { recursive: true, force: true });
    rmSync(`${pub}-migrations`, { recursive: true, force: true });
  });

  const cases: [string, string, number, RouteClass][] = [
    ["API JSON", "/api/health", 200, "api"],
    ["API 404", "/api/collections/nope/records", 404, "api"],
    ["thrown error", "/api/test/throw", 400, "api"],
    ["pb_public page", "/", 200, "public"],
    ["404 outside the API", "/missing.html", 404, "public"],
    ["admin UI", "/_/", 200, "admin"],
  ];
  it.each(cases)("%s (%s, %i) carries the %s class's headers", async (_what, path, status, cls) => {
    const res = await fetch(`${pb.url}${path}`);
    expect(res.status).toBe(status);
    expect(managed(res.headers)).toEqual(expected(env, cls, false));
  });

  it("record file download carries the files class's headers, cross-origin embeddable", async () => {
    const res = await fetch(`${pb.url}${filePath}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG_1X1)).toBe(true);
    expect(managed(res.headers)).toEqual(expected(env, "files", false));
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(res.headers.get("x-frame-options")).toBeNull();
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox");
  });

  it("PocketBase's pbSecurityHeaders is unbound: its X-XSS-Protection no longer overwrites pb-ops's 0 (pages) nor appears on the API (none there)", async () => {
    expect((await fetch(`${pb.url}/`)).headers.get("x-xss-protection")).toBe("0");
    const res = await fetch(`${pb.url}/api/health`);
    // The API class sends no X-XSS-Protection (a page-only header, src/headers/policy.ts
    // DOCUMENT_ONLY): PocketBase's `1; mode=block` would show here if pbSecurityHeaders still ran.
    expect(res.headers.get("x-xss-protection")).toBeNull();
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it("the admin UI gets pb-ops's admin CSP, not PocketBase's built-in one", async () => {
    const csp = (await fetch(`${pb.url}/_/`)).headers.get("content-security-policy")!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("127.0.0.1");
  });

  it("CORS: allowed origin gets ACAO on requests and preflights; others are refused", async () => {
    const ok = await fetch(`${pb.url}/api/health`, { headers: { Origin: ALLOWED_ORIGIN } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(ok.headers.get("vary")).toContain("Origin");

    const other = await fetch(`${pb.url}/api/health`, { headers: { Origin: "http://127.0.0.1:4112" } });
    expect(other.status).toBe(200); // CORS is enforced by the browser on the response...
    expect(other.headers.get("access-control-allow-origin")).toBeNull(); // ...which gets no permission

    const pre = await fetch(`${pb.url}/api/collections/attachments/records`, {
      method: "OPTIONS",
      headers: { Origin: ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(pre.headers.get("access-control-allow-methods")).toBe("GET,HEAD,PUT,PATCH,POST,DELETE");
    expect(pre.headers.get("access-control-allow-headers")).toBe("authorization,content-type");
    expect(pre.headers.get("x-content-type-options")).toBe("nosniff"); // security headers on preflights too

    const refused = await fetch(`${pb.url}/api/collections/attachments/records`, {
      method: "OPTIONS",
      headers: { Origin: "http://127.0.0.1:4112", "Access-Control-Request-Method": "POST" },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    expect(refused.headers.get("access-control-allow-methods")).toBeNull();
  });

  it("HSTS: direct http no; X-Forwarded-Proto without a trusted proxy no", async () => {
    expect((await fetch(`${pb.url}/api/health`)).headers.get("strict-transport-security")).toBeNull();
    const spoofed = await fetch(`${pb.url}/api/health`, { headers: { "X-Forwarded-Proto": "https" } });
    expect(spoofed.headers.get("strict-transport-security")).toBeNull();
    const cookie = await fetch(`${pb.url}/api/test/cookie`, { headers: { "X-Forwarded-Proto": "https" } });
    expect(await cookie.json()).toEqual({ https: false });
    expect(cookie.headers.get("set-cookie")).toBe("pbops_test=v1; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
  });

  it("HSTS: a trusted proxy's X-Forwarded-Proto: https yes (and http no); cookies then Secure", async () => {
    await setTrustedProxy(pb, ["X-Forwarded-For"]);
    const viaProxy = { "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https" };
    const res = await fetch(`${pb.url}/api/health`, { headers: viaProxy });
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(managed(res.headers)).toEqual(expected(env, "api", true));

    const page = await fetch(`${pb.url}/`, { headers: viaProxy });
    expect(page.headers.get("content-security-policy")).toMatch(/; upgrade-insecure-requests$/);

    const plainProxy = await fetch(`${pb.url}/api/health`, { headers: { ...viaProxy, "X-Forwarded-Proto": "http" } });
    expect(plainProxy.headers.get("strict-transport-security")).toBeNull();
    expect((await fetch(`${pb.url}/api/health`)).headers.get("strict-transport-security")).toBeNull();

    const cookie = await fetch(`${pb.url}/api/test/cookie`, { headers: viaProxy });
    expect(await cookie.json()).toEqual({ https: true });
    expect(cookie.headers.get("set-cookie")).toBe("pbops_test=v1; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax");

    // Switched back off at run time: the header is distrusted again on the next request.
    await setTrustedProxy(pb, []);
    expect((await fetch(`${pb.url}/api/health`, { headers: viaProxy })).headers.get("strict-transport-security")).toBeNull();
  });
});

describe.each(POCKETBASE_VERSIONS)("PocketBase %s, overrides by env", (version: string) => {
  const env = {
    PB_HSTS: "max-age=63072000; includeSubDomains; preload; force",
    PB_CSP: "default-src 'none'",
    PB_X_FRAME_OPTIONS: "SAMEORIGIN",
    PB_SECURITY_HEADERS_OFF: "X-Permitted-Cross-Domain-Policies,Origin-Agent-Cluster",
    PB_REFERRER_POLICY: "strict-origin-when-cross-origin",
    PB_CORS_ORIGINS: "none",
    PB_ENCRYPTION_COOKIE_SECURE: "true",
  };
  let pb: RunningPocketBase;
  beforeAll(async () => {
    pb = await startPocketBase({ version, env, extraHooks: TEST_HOOKS });
  });
  afterAll(async () => pb?.stop());

  it("forced HSTS is sent over plain http, and the overrides replace the defaults", async () => {
    const res = await fetch(`${pb.url}/api/health`);
    expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains; preload");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    // Referrer-Policy is a page-only header, left out of the API class by default (DOCUMENT_ONLY in
    // src/headers/policy.ts), but a value the operator set is sent everywhere, the API included.
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(res.headers.get("x-permitted-cross-domain-policies")).toBeNull();
    expect(res.headers.get("origin-agent-cluster")).toBeNull();
    expect(managed(res.headers)).toEqual(expected(env, "api", false));
    const page = await fetch(`${pb.url}/missing.html`);
    expect(page.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(page.headers.get("x-permitted-cross-domain-policies")).toBeNull();
    expect(page.headers.get("origin-agent-cluster")).toBeNull();
    expect(managed(page.headers)).toEqual(expected(env, "public", false));
  });

  it("PB_ENCRYPTION_COOKIE_SECURE=true marks cookies Secure on plain http", async () => {
    const res = await fetch(`${pb.url}/api/test/cookie`);
    expect(await res.json()).toEqual({ https: false });
    expect(res.headers.get("set-cookie")).toBe("pbops_test=v1; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax");
  });

  it("PB_CORS_ORIGINS=none refuses every cross-origin caller, whatever --origins says", async () => {
    const pre = await fetch(`${pb.url}/api/health`, { method: "OPTIONS", headers: { Origin: "http://127.0.0.1:4111", "Access-Control-Request-Method": "GET" } });
    expect(pre.status).toBe(403);
    const res = await fetch(`${pb.url}/api/health`, { headers: { Origin: "http://127.0.0.1:4111" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe.each(POCKETBASE_VERSIONS)("PocketBase %s, PB_SECURITY_HEADERS=off and no PB_CORS_ORIGINS", (version: string) => {
  let pb: RunningPocketBase;
  beforeAll(async () => {
    pb = await startPocketBase({ version, env: { PB_SECURITY_HEADERS: "off" } });
  });
  afterAll(async () => pb?.stop());

  it("PocketBase's own security headers stay (control for the unbind above)", async () => {
    const res = await fetch(`${pb.url}/api/health`);
    expect(res.headers.get("x-xss-protection")).toBe("1; mode=block");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("content-security-policy")).toBeNull();
    expect(res.headers.get("strict-transport-security")).toBeNull();
  });

  it("PocketBase's CORS stays: --origins defaults to *, any origin may read", async () => {
    const res = await fetch(`${pb.url}/api/health`, { headers: { Origin: "http://evil.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const pre = await fetch(`${pb.url}/api/health`, { method: "OPTIONS", headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "GET" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
  });
});
