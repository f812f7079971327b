// Issue 15, items 6-11, on both PocketBase versions: the secret admin path in any near-miss form,
// OAuth2 `code` and `state`, and the value of a misspelt secret variable never reach stdout,
// stderr or PocketBase's request log (`_logs`); the gate's 302 and the allowlist's 403 carry the
// security headers; dangerous but valid settings log one WARN line each; with the admin path hidden
// PocketBase's installer link is not printed (a stock server prints it, so that check can fail).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocketbaseLogs as logs } from "../harness/logs";
import { POCKETBASE_VERSIONS, runPocketBase, startPocketBase, SUPERUSER, type RunningPocketBase } from "../../toolkit/pocketbase";
import { header, rawRequest } from "../harness/raw-http";

const ADMIN_PATH = "/Xq7Lm2vR9pT4wK8zN3bY6c";
const BODY = ADMIN_PATH.slice(1);
const JSON_HEADERS = { "Content-Type": "application/json" };
const CODE = "oauthCODE" + randomBytes(6).toString("hex");
const STATE = "oauthSTATE" + randomBytes(6).toString("hex");
const INSTALLER = /pbinstal|\/_\/#\/pbinstal/i;

/** Every form of the secret a log could hold, lower-cased for a case-insensitive search. */
const FORMS = [BODY, BODY.slice(0, 12), BODY.slice(-12)].map((s) => s.toLowerCase());

function leaks(text: string): string[] {
  const t = text.toLowerCase();
  return [...FORMS.filter((f) => t.includes(f)), ...[CODE, STATE].filter((v) => text.includes(v))];
}

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase;
  let stock: RunningPocketBase;
  let token = "";
  beforeAll(async () => {
    [pb, stock] = await Promise.all([
      startPocketBase({
        version,
        superuser: false,
        env: {
          PB_ADMIN_PATH: ADMIN_PATH,
          PB_ADMIN_ALLOW_IPS: "127.0.0.0/8",
          PB_RATE_LIMIT: "1000/60s",
          PB_RATE_LIMIT_EXEMPT: "0.0.0.0/0",
          PB_RATE_LIMIT_RULES: "GET /api/collections 100/60s name=wide; GET /api/collections/posts/records 5/60s name=never",
        },
      }),
      startPocketBase({ version, superuser: false, withPbOps: false }),
    ]);
    // The first superuser the documented way (docs/admin.md): the CLI, on the same data dir.
    const up = runPocketBase(version, ["superuser", "upsert", SUPERUSER.email, SUPERUSER.password], {
      dataDir: pb.dataDir,
      hooksDir: pb.hooksDir,
    });
    expect(up.status).toBe(0);
    const open = await rawRequest(pb.port, "GET", ADMIN_PATH);
    const cookie = header(open, "Set-Cookie")!.split(";")[0]!;
    const auth = await fetch(`${pb.url}/api/collections/_superusers/auth-with-password`, {
      method: "POST",
      headers: { ...JSON_HEADERS, Cookie: cookie },
      body: JSON.stringify({ identity: SUPERUSER.email, password: SUPERUSER.password }),
    });
    expect(auth.status).toBe(200);
    token = ((await auth.json()) as { token: string }).token;
    const proxy = await fetch(`${pb.url}/api/settings`, {
      method: "PATCH",
      headers: { ...JSON_HEADERS, Authorization: token },
      body: JSON.stringify({ trustedProxy: { headers: ["X-Forwarded-For"], useLeftmostIP: false } }),
    });
    expect(proxy.status).toBe(200);
  }, 90_000);
  afterAll(async () => Promise.all([pb?.stop(), stock?.stop()]));

  it("with the admin path hidden, PocketBase's installer link is not printed; a stock server prints it", async () => {
    expect(pb.stdout() + pb.stderr()).not.toMatch(INSTALLER);
    expect(stock.stdout() + stock.stderr()).toMatch(INSTALLER);
  });

  it("the gate's 302 carries the security headers", async () => {
    const r = await rawRequest(pb.port, "GET", ADMIN_PATH);
    expect(r.status).toBe(302);
    expect(header(r, "X-Frame-Options")).toBeTruthy();
    expect(header(r, "Content-Security-Policy")).toBeTruthy();
    expect(header(r, "X-Content-Type-Options")).toBe("nosniff");
    expect(header(r, "Cross-Origin-Opener-Policy")).toBeTruthy();
  });

  it("the allowlist's 403 (a superuser token from outside PB_ADMIN_ALLOW_IPS) carries the security headers", async () => {
    const r = await rawRequest(pb.port, "GET", "/api/settings", { Authorization: token, "X-Forwarded-For": "203.0.113.9" });
    expect(r.status).toBe(403);
    expect(header(r, "Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(header(r, "X-Frame-Options")).toBe("DENY");
    expect(header(r, "X-Content-Type-Options")).toBe("nosniff");
  });

  it("valid but dangerous settings each log one WARN line at boot", async () => {
    const warns = await logs(pb, token, "level >= 4 && message ~ 'rate limit:'", 2);
    const msgs = warns.map((w) => w.message);
    expect(msgs.filter((m) => m.includes("PB_RATE_LIMIT_EXEMPT contains 0.0.0.0/0"))).toHaveLength(1);
    expect(msgs.filter((m) => m.includes('rule "never"') && m.includes("can never match"))).toHaveLength(1);
  });

  it("near misses of the admin path, and OAuth2 code and state, never reach stdout, stderr or _logs", async () => {
    const outside = { "X-Forwarded-For": "203.0.113.7" };
    const near: [string, string, Record<string, string>?][] = [
      ["POST", ADMIN_PATH],
      ["GET", ADMIN_PATH + "/"],
      ["GET", ADMIN_PATH.toUpperCase()],
      ["GET", ADMIN_PATH.toLowerCase()],
      ["GET", ADMIN_PATH.slice(0, -1)],
      ["GET", ADMIN_PATH + "x"],
      ["GET", "/x" + ADMIN_PATH],
      ["GET", "/%" + BODY.charCodeAt(0).toString(16) + BODY.slice(1)],
      ["GET", "/_" + ADMIN_PATH],
      ["GET", `/api/health?next=${ADMIN_PATH}`],
      ["GET", ADMIN_PATH, outside],
      ["HEAD", ADMIN_PATH, outside],
      ["GET", `/api/oauth2-redirect?code=${CODE}&state=${STATE}`],
      ["GET", `/api/oauth2-redirect?state=${STATE}&code=${CODE}&error=x`],
    ];
    for (const [m, t, h] of near) await rawRequest(pb.port, m, t, h ?? {});
    await rawRequest(
      pb.port,
      "POST",
      "/api/oauth2-redirect",
      { "Content-Type": "application/x-www-form-urlencoded" },
      `code=${CODE}&state=${STATE}`,
    );
    // Wait for PocketBase's log writer (batched, up to 3 s) to hold the last request.
    await logs(pb, token, `url ~ 'oauth2-redirect' && data.method = 'POST'`, 1);
    const all = await logs(pb, token, "id != ''", 1);
    const stored = JSON.stringify(all);
    expect(stored).toContain("[admin-path]");
    expect(stored).toContain("[redacted]");
    expect(leaks(stored)).toEqual([]);
    expect(leaks(pb.stdout())).toEqual([]);
    expect(leaks(pb.stderr())).toEqual([]);
    // The requests did reach the server and its logs (so the search above could find them).
    expect(all.length).toBeGreaterThanOrEqual(near.length);
  });

  it.each([["PB_ADMIN_PATHS"], ["PB_OPS_SECRT"], ["PB_OPS_TOKN"], ["PB_ADMN_PATH"]])(
    "a misspelt secret variable (%s) stops boot without printing its value",
    (name) => {
      const value = "/Sup3rS3cr3tV4lu3" + randomBytes(8).toString("hex");
      const res = runPocketBase(version, ["serve", "--http", "127.0.0.1:1"], { env: { [name]: value } });
      expect(res.status).not.toBe(0);
      expect(res.stderr + res.stdout).toMatch(/did you mean/);
      expect(res.stderr + res.stdout).not.toContain(value.slice(1, 13));
    },
  );
});
