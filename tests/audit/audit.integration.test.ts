// GET /api/ops/audit on both PocketBase versions: every check is flipped by a real setting change
// (PocketBase settings and collection options through the API, env at start, the lease role file
// the entrypoint writes, the request's own proxy headers), and its verdict changes with it. The
// replica and restore_drill checks are flipped in restore-drill.integration.test.ts (they need
// Litestream running). Also: access, the one boot summary line.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Server, replicaEnv, replicaUrl } from "../../toolkit/backup-stack";
import { fetchJson } from "../../toolkit/http";
import { parseStdout } from "../harness/logs";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";

const OPS_TOKEN = "opsToken-7f3a9c2e5b1d8f4a6c0e2b9d7a5f3c1e";
const AUTH = { authorization: `Bearer ${OPS_TOKEN}` };

async function audit(pb: RunningPocketBase, headers: Record<string, string> = {}) {
  const res = await fetchJson(`${pb.url}/api/ops/audit`, { headers: { ...AUTH, ...headers } });
  expect(res.status).toBe(200);
  return res.body;
}

async function check(pb: RunningPocketBase, id: string, headers: Record<string, string> = {}) {
  const c = (await audit(pb, headers)).checks.find((x: any) => x.id === id);
  expect(c, `check ${id}`).toBeDefined();
  return c as { id: string; status: string; reason: string; fix: string };
}

async function api(pb: RunningPocketBase, method: string, path: string, body: unknown) {
  const res = await fetch(`${pb.url}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: await pb.superuserToken() },
    body: JSON.stringify(body),
  });
  if (res.status !== 200 && res.status !== 204) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

const settings = (pb: RunningPocketBase, body: unknown) => api(pb, "PATCH", "/api/settings", body);

describe.each(POCKETBASE_VERSIONS)("audit on PocketBase %s", (version) => {
  let pb: RunningPocketBase;

  beforeAll(async () => {
    pb = await startPocketBase({ version, serveArgs: ["--automigrate=false"], env: { PB_OPS_TOKEN: OPS_TOKEN } });
  }, 60_000);
  afterAll(async () => {
    await pb?.stop();
  });

  it("answers 401 to anyone else; the token and a superuser get the checks", async () => {
    expect((await fetchJson(`${pb.url}/api/ops/audit`)).status).toBe(401);
    expect(
      (await fetchJson(`${pb.url}/api/ops/audit`, { headers: { authorization: "Bearer nope-nope-nope-nope-nope-nope-nope" } })).status,
    ).toBe(401);
    const su = await fetchJson(`${pb.url}/api/ops/audit`, { headers: { authorization: await pb.superuserToken() } });
    expect(su.status).toBe(200);
    expect(su.body.access).toBe("superuser");
    for (const c of su.body.checks) {
      expect(["pass", "warn", "fail"]).toContain(c.status);
      expect(c.reason).not.toBe("");
      if (c.status !== "pass") expect(c.fix).not.toBe("");
    }
  });

  it("logged one boot summary line naming the checks that do not pass", () => {
    const lines = parseStdout(pb.stdout()).records.filter((r) => String(r.msg).startsWith("audit:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe("WARN");
    expect(lines[0]!.msg).toContain("replica (fail)");
    expect(lines[0]!.warning).toEqual(expect.arrayContaining(["cors", "admin_path", "superuser_mfa", "rate_limit"]));
  });

  it("trusted_proxy and https: proxy headers without a trusted proxy fail; trusting the header passes and makes X-Forwarded-Proto count", async () => {
    const viaProxy = { "do-connecting-ip": "203.0.113.7", "x-forwarded-proto": "https" };
    expect((await check(pb, "trusted_proxy")).status).toBe("pass");
    expect((await check(pb, "trusted_proxy", viaProxy)).status).toBe("fail");
    expect((await check(pb, "https", viaProxy)).status).toBe("warn");
    await settings(pb, { trustedProxy: { headers: ["do-connecting-ip"], useLeftmostIP: false } });
    expect((await check(pb, "trusted_proxy", viaProxy)).status).toBe("pass");
    expect((await check(pb, "https", viaProxy)).status).toBe("pass");
    expect((await check(pb, "https")).status).toBe("warn");
  });

  it("log_level: PocketBase's log min level debug warns", async () => {
    expect((await check(pb, "log_level")).status).toBe("pass");
    await settings(pb, { logs: { minLevel: -4 } });
    expect((await check(pb, "log_level")).status).toBe("warn");
    await settings(pb, { logs: { minLevel: 0 } });
    expect((await check(pb, "log_level")).status).toBe("pass");
  });

  it("rate_limit: PocketBase's built-in rate limiter passes", async () => {
    expect((await check(pb, "rate_limit")).status).toBe("warn");
    await settings(pb, { rateLimits: { enabled: true, rules: [{ label: "*:auth", maxRequests: 10, duration: 60 }] } });
    expect((await check(pb, "rate_limit")).status).toBe("pass");
  });

  it("smtp: users' email flows without SMTP warn; SMTP on passes", async () => {
    const c = await check(pb, "smtp");
    expect(c.status).toBe("warn");
    expect(c.reason).toContain("users");
    await settings(pb, { smtp: { enabled: true, host: "127.0.0.1", port: 2525 } });
    expect((await check(pb, "smtp")).status).toBe("pass");
  });

  it("file_storage: a file field on the local disk warns; S3 storage passes", async () => {
    const c = await check(pb, "file_storage");
    expect(c.status).toBe("warn");
    expect(c.reason).toContain("users.avatar");
    await settings(pb, {
      s3: {
        enabled: true,
        bucket: "files",
        region: "us-east-1",
        endpoint: "http://127.0.0.1:9",
        accessKey: "k",
        secret: "s",
        forcePathStyle: true,
      },
    });
    expect((await check(pb, "file_storage")).status).toBe("pass");
  });

  it("open_rules: lists each collection anyone can write; a rule with a condition passes", async () => {
    await api(pb, "POST", "/api/collections", {
      name: "guestbook",
      type: "base",
      fields: [{ name: "text", type: "text" }],
      createRule: "",
      deleteRule: "",
    });
    const c = await check(pb, "open_rules");
    expect(c.status).toBe("warn");
    expect(c.reason).toContain("users (create)");
    expect(c.reason).toContain("guestbook (create, delete)");
    await api(pb, "PATCH", "/api/collections/users", { createRule: null });
    await api(pb, "PATCH", "/api/collections/guestbook", { createRule: '@request.auth.id != ""', deleteRule: null });
    expect((await check(pb, "open_rules")).status).toBe("pass");
  });

  it("batch: loose limits warn, tight ones pass", async () => {
    expect((await check(pb, "batch")).status).toBe("pass");
    await settings(pb, { batch: { enabled: true, maxRequests: 500, timeout: 3, maxBodySize: 0 } });
    expect((await check(pb, "batch")).status).toBe("warn");
    await settings(pb, { batch: { enabled: true, maxRequests: 50, timeout: 3, maxBodySize: 1048576 } });
    expect((await check(pb, "batch")).status).toBe("pass");
  });

  it("superuser_count: more than 3 superusers warn", async () => {
    expect((await check(pb, "superuser_count")).status).toBe("pass");
    for (let i = 0; i < 3; i++)
      await api(pb, "POST", "/api/collections/_superusers/records", {
        email: `extra${i}@example.com`,
        password: "another-long-pass-1",
        passwordConfirm: "another-long-pass-1",
      });
    const c = await check(pb, "superuser_count");
    expect(c.status).toBe("warn");
    expect(c.reason).toContain("4 superusers");
  });

  it("superuser_mfa: OTP + MFA on the _superusers collection passes", async () => {
    expect((await check(pb, "superuser_mfa")).status).toBe("warn");
    await api(pb, "PATCH", "/api/collections/_superusers", { otp: { enabled: true }, mfa: { enabled: true } });
    const c = await check(pb, "superuser_mfa");
    expect(c.status).toBe("pass");
    expect(c.reason).toContain("OTP on");
  });
});

describe.each(POCKETBASE_VERSIONS)("audit with production env on PocketBase %s", (version) => {
  let s3: S3Server;
  let pb: RunningPocketBase;
  let bare: RunningPocketBase;

  beforeAll(async () => {
    s3 = new S3Server();
    await s3.start();
    // No Litestream: the replica is configured but empty, so `replica` fails for a real reason.
    pb = await startPocketBase({
      version,
      serveArgs: ["--automigrate=false"],
      env: {
        ...replicaEnv(replicaUrl(s3, "prod/data.db")),
        PB_OPS_TOKEN: OPS_TOKEN,
        PB_LITESTREAM_METRICS_URL: "off",
        PB_CORS_ORIGINS: "https://app.example.com",
        PB_ADMIN_PATH: "/k3J9x2LmQ7vR4tW8yZ1a",
        PB_BACKUP_DISK_LIMIT: "100KiB",
        PB_LOG_LEVEL: "debug",
        LITESTREAM_RETENTION: "1h",
        PB_RESTORE_DRILL: "off",
      },
    });
    bare = await startPocketBase({
      version,
      serveArgs: ["--automigrate=false", "--origins", "https://app.example.com"],
      env: { PB_OPS_TOKEN: OPS_TOKEN },
    });
  }, 90_000);
  afterAll(async () => {
    await pb?.stop();
    await bare?.stop();
    await s3?.destroy();
  });

  it("cors: PB_CORS_ORIGINS or serve --origins pass; PocketBase's default * warns", async () => {
    expect((await check(pb, "cors")).status).toBe("pass");
    expect((await check(bare, "cors")).status).toBe("pass");
    expect((await check(bare, "cors")).reason).toContain("--origins https://app.example.com");
  });

  it("admin_path: PB_ADMIN_PATH passes (warns without, see the bare instance)", async () => {
    expect((await check(pb, "admin_path")).status).toBe("pass");
    expect((await check(bare, "admin_path")).status).toBe("warn");
  });

  it("db_size: data.db over PB_BACKUP_DISK_LIMIT does not pass", async () => {
    expect(["warn", "fail"]).toContain((await check(pb, "db_size")).status);
    expect((await check(bare, "db_size")).status).toBe("pass");
  });

  it("log_level: PB_LOG_LEVEL=debug warns", async () => {
    expect((await check(pb, "log_level")).status).toBe("warn");
    expect((await check(pb, "log_level")).reason).toContain("PB_LOG_LEVEL=debug");
  });

  it("replica: configured but empty fails (replica_empty); unconfigured fails too", async () => {
    const c = await check(pb, "replica");
    expect(c.status).toBe("fail");
    expect(c.reason).toContain("replica_empty");
    expect((await check(bare, "replica")).reason).toContain("no replica");
  });

  it("retention: LITESTREAM_RETENTION=1h warns", async () => {
    const c = await check(pb, "retention");
    expect(c.status).toBe("warn");
    expect(c.reason).toContain("LITESTREAM_RETENTION=1h");
  });

  it("single_instance: the lease role the entrypoint writes: none warns, primary passes, standby fails", async () => {
    expect((await check(pb, "single_instance")).status).toBe("warn");
    const dir = join(pb.dataDir, ".pb-ops-lease");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "role"), "primary\tholder of epoch 1\n");
    expect((await check(pb, "single_instance")).status).toBe("pass");
    writeFileSync(join(dir, "role"), "standby\tanother container holds the lease\n");
    expect((await check(pb, "single_instance")).status).toBe("fail");
    expect((await check(bare, "single_instance")).status).toBe("warn");
  });

  it("the boot line names what does not pass", () => {
    const line = parseStdout(pb.stdout()).records.find((r) => String(r.msg).startsWith("audit:"));
    expect(line?.level).toBe("WARN");
    expect(line?.warning).toEqual(expect.arrayContaining(["retention", "log_level"]));
    expect([...(line?.warning ?? []), ...(line?.failing ?? [])]).toEqual(expect.arrayContaining(["db_size", "single_instance"]));
    expect(line?.warning).not.toContain("cors");
    expect(line?.warning).not.toContain("admin_path");
  });
});
