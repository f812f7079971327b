// Real PocketBase, both pinned versions: PB_ADMIN_ALLOW_IPS through PocketBase's trusted-proxy
// settings, the generated server secret (kept across restarts, rotation by deleting it), an SPA
// in pb_public (a refused /_/ must then answer with the SPA's index.html, like any miss), and
// stock behaviour when nothing is set.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POCKETBASE_VERSIONS, SUPERUSER, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { comparable, rawRequest } from "../harness/raw-http";
import { gateCookie } from "../harness/admin";

const ADMIN_PATH = "/Zr4pT8kW2mQ9vL6xN3bH";
const JSON_HEADERS = { "Content-Type": "application/json" };
const CREDENTIALS = JSON.stringify({ identity: SUPERUSER.email, password: SUPERUSER.password });
const SU_AUTH = "/api/collections/_superusers/auth-with-password";

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  describe("PB_ADMIN_ALLOW_IPS, resolved through the trusted-proxy settings", () => {
    let pb: RunningPocketBase;
    let token = "";
    beforeAll(async () => {
      // Loopback is allowed so the test can configure the proxy header; 10.0.0.0/8 is the "office".
      pb = await startPocketBase({ version, env: { PB_ADMIN_ALLOW_IPS: "127.0.0.1,::1,10.0.0.0/8" } });
      token = await pb.superuserToken();
      const set = await fetch(`${pb.url}/api/settings`, {
        method: "PATCH",
        headers: { ...JSON_HEADERS, Authorization: token },
        body: JSON.stringify({ trustedProxy: { headers: ["X-Real-IP"], useLeftmostIP: false } }),
      });
      expect(set.status).toBe(200);
    });
    afterAll(async () => pb?.stop());

    it("an allowed address reaches the admin UI and superuser login (no PB_ADMIN_PATH: no gate)", async () => {
      expect((await rawRequest(pb.port, "GET", "/_/", { "X-Real-IP": "10.1.2.3" })).status).toBe(200);
      expect((await rawRequest(pb.port, "POST", SU_AUTH, { ...JSON_HEADERS, "X-Real-IP": "10.1.2.3" }, CREDENTIALS)).status).toBe(200);
    });

    it("another address gets the unknown-path answer for /_/ and the unknown-collection answer for the superuser login", async () => {
      const outside = { "X-Real-IP": "203.0.113.9" };
      const miss = comparable(await rawRequest(pb.port, "GET", "/zz-unknown-path", outside));
      expect(comparable(await rawRequest(pb.port, "GET", "/_/", outside))).toBe(miss);
      // The login's miss is the same endpoint of an unknown collection (same shape).
      const postMiss = comparable(
        await rawRequest(pb.port, "POST", "/api/collections/zzunknown01/auth-with-password", { ...JSON_HEADERS, ...outside }, CREDENTIALS),
      );
      expect(comparable(await rawRequest(pb.port, "POST", SU_AUTH, { ...JSON_HEADERS, ...outside }, CREDENTIALS))).toBe(postMiss);
    });

    it("a superuser token used from another address gets 403 on any route", async () => {
      const r = await rawRequest(pb.port, "GET", "/api/settings", { Authorization: token, "X-Real-IP": "203.0.113.9" });
      expect(r.status).toBe(403);
      const ok = await rawRequest(pb.port, "GET", "/api/settings", { Authorization: token, "X-Real-IP": "10.9.9.9" });
      expect(ok.status).toBe(200);
    });

    it("ordinary requests from other addresses are untouched", async () => {
      expect((await rawRequest(pb.port, "GET", "/api/health", { "X-Real-IP": "203.0.113.9" })).status).toBe(200);
    });
  });

  describe("allowlist and gate together: both must agree", () => {
    let pb: RunningPocketBase;
    beforeAll(async () => {
      pb = await startPocketBase({ version, env: { PB_ADMIN_PATH: ADMIN_PATH, PB_ADMIN_ALLOW_IPS: "10.0.0.0/8" } });
    });
    afterAll(async () => pb?.stop());

    it("from outside the allowlist the secret path hands out no cookie and a valid cookie does not help", async () => {
      expect(await gateCookie(pb, ADMIN_PATH)).toBeUndefined();
      const miss = comparable(await rawRequest(pb.port, "GET", "/zz-unknown"));
      expect(comparable(await rawRequest(pb.port, "GET", ADMIN_PATH))).toBe(miss);
    });
  });

  describe("generated server secret", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pbops-admin-secret-"));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it("is written once to pb_data/.pb_ops_secret (0600), survives a restart, and deleting it rotates", async () => {
      let pb = await startPocketBase({ version, dataDir, env: { PB_ADMIN_PATH: ADMIN_PATH } });
      const cookie = (await gateCookie(pb, ADMIN_PATH))!;
      expect((await rawRequest(pb.port, "GET", "/_/", { Cookie: cookie })).status).toBe(200);
      const file = join(dataDir, ".pb_ops_secret");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const secret = readFileSync(file, "utf8");
      expect(secret.length).toBeGreaterThanOrEqual(32);
      await pb.stop();

      pb = await startPocketBase({ version, dataDir, superuser: false, env: { PB_ADMIN_PATH: ADMIN_PATH } });
      expect(readFileSync(file, "utf8")).toBe(secret);
      expect((await rawRequest(pb.port, "GET", "/_/", { Cookie: cookie })).status).toBe(200);
      await pb.stop();

      rmSync(file);
      pb = await startPocketBase({ version, dataDir, superuser: false, env: { PB_ADMIN_PATH: ADMIN_PATH } });
      expect(readFileSync(file, "utf8")).not.toBe(secret);
      expect((await rawRequest(pb.port, "GET", "/_/", { Cookie: cookie })).status).toBe(404);
      await pb.stop();
    });
  });

  describe("an SPA in pb_public (--indexFallback, PocketBase's default)", () => {
    let pb: RunningPocketBase;
    const publicDir = mkdtempSync(join(tmpdir(), "pbops-public-"));
    beforeAll(async () => {
      writeFileSync(join(publicDir, "index.html"), "<!doctype html><title>My App</title><div id=app></div>\n");
      pb = await startPocketBase({ version, env: { PB_ADMIN_PATH: ADMIN_PATH }, serveArgs: ["--publicDir", publicDir] });
    });
    afterAll(async () => {
      await pb?.stop();
      rmSync(publicDir, { recursive: true, force: true });
    });

    it("a refused /_/ answers with the SPA's index.html, exactly like any unknown path does", async () => {
      const miss = await rawRequest(pb.port, "GET", "/some/client/route");
      expect(miss.status).toBe(200);
      expect(miss.body.toString()).toContain("My App");
      expect(comparable(await rawRequest(pb.port, "GET", "/_/"))).toBe(comparable(miss));
      expect(comparable(await rawRequest(pb.port, "GET", "/_/assets/x.js"))).toBe(comparable(miss));
    });
  });

  describe("nothing set: stock PocketBase", () => {
    let pb: RunningPocketBase;
    beforeAll(async () => {
      pb = await startPocketBase({ version });
    });
    afterAll(async () => pb?.stop());

    it("/_/ and superuser login work without any cookie, and no secret file is made", async () => {
      expect((await rawRequest(pb.port, "GET", "/_/")).status).toBe(200);
      expect((await rawRequest(pb.port, "POST", SU_AUTH, JSON_HEADERS, CREDENTIALS)).status).toBe(200);
      expect(() => statSync(join(pb.dataDir, ".pb_ops_secret"))).toThrow();
    });
  });
});
