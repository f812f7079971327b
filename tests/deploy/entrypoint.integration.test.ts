// deploy/entrypoint.sh run as the container runs it, without Docker: the same script, the pinned
// PocketBase and Litestream the Dockerfile builds, versitygw on loopback (checks SigV4, so a wrong
// key is refused as Spaces would refuse it).
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { S3Server, S3_KEYS, replicaUrl } from "../../toolkit/backup-stack";
import { createDrillCollection, insert, listSeqs, waitReplicaCaughtUp } from "../../toolkit/drill";
import {
  EntrypointFixtures,
  entrypointEnv,
  parseJsonLines,
  runToExit,
  serveProcess,
  superuserToken,
  upsertSuperuser,
} from "../../toolkit/entrypoint";
import { pollUntil, sleep } from "../../toolkit/wait";

let s3: S3Server;
const fx = new EntrypointFixtures();
const site = () => fx.site();
const start = (env: Record<string, string>, args: string[] = []) => fx.start(env, args);

beforeAll(async () => {
  s3 = new S3Server();
  await s3.start();
}, 60_000);

afterEach(() => fx.stopRuns());

afterAll(async () => {
  fx.removeSites();
  await s3?.destroy();
});

describe("entrypoint: settings are checked before anything starts (one FATAL line each)", () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["REPLICA_URL set but empty", { REPLICA_URL: "" }, /REPLICA_URL is set but empty/],
    ["REPLICA_URL not s3://", { REPLICA_URL: "gs://bucket/db" }, /REPLICA_URL must start with s3:\/\//],
    [
      "REPLICA_URL as an https Spaces endpoint",
      { REPLICA_URL: "https://nyc3.digitaloceanspaces.com/space/db" },
      /REPLICA_URL is an https:\/\/ endpoint/,
    ],
    ["REPLICA_URL without a path", { REPLICA_URL: "s3://bucket" }, /REPLICA_URL needs a path after the bucket/],
    ["REPLICA_URL with embedded credentials", { REPLICA_URL: "s3://KEY:SECRET@bucket/db" }, /must not embed credentials/],
    [
      "REPLICA_URL left as the app.yaml example",
      { REPLICA_URL: "s3://<space-name>.<region>.digitaloceanspaces.com/pocketbase/data.db" },
      /still holds the example value/,
    ],
    ["REPLICA_URL with a pasted newline", { REPLICA_URL: "s3://bucket/db\n" }, /REPLICA_URL contains whitespace/],
    ["access key missing", { REPLICA_URL: "s3://bucket/db", LITESTREAM_SECRET_ACCESS_KEY: "s" }, /LITESTREAM_ACCESS_KEY_ID is not set/],
    ["secret key missing", { REPLICA_URL: "s3://bucket/db", LITESTREAM_ACCESS_KEY_ID: "k" }, /LITESTREAM_SECRET_ACCESS_KEY is not set/],
    [
      "secret key empty",
      { REPLICA_URL: "s3://bucket/db", LITESTREAM_ACCESS_KEY_ID: "k", LITESTREAM_SECRET_ACCESS_KEY: "" },
      /LITESTREAM_SECRET_ACCESS_KEY is set but empty/,
    ],
    [
      "secret key with a trailing space",
      { REPLICA_URL: "s3://bucket/db", LITESTREAM_ACCESS_KEY_ID: "k", LITESTREAM_SECRET_ACCESS_KEY: "abc " },
      /LITESTREAM_SECRET_ACCESS_KEY contains whitespace/,
    ],
    [
      "keys without REPLICA_URL",
      { LITESTREAM_ACCESS_KEY_ID: "k", LITESTREAM_SECRET_ACCESS_KEY: "s" },
      /LITESTREAM_ACCESS_KEY_ID is set but REPLICA_URL is not/,
    ],
    [
      "sync interval not a duration",
      { REPLICA_URL: "s3://bucket/db", LITESTREAM_ACCESS_KEY_ID: "k", LITESTREAM_SECRET_ACCESS_KEY: "s", LITESTREAM_SYNC_INTERVAL: "fast" },
      /LITESTREAM_SYNC_INTERVAL="fast" is not a duration/,
    ],
    [
      "metrics on a public address",
      {
        REPLICA_URL: "s3://bucket/db",
        LITESTREAM_ACCESS_KEY_ID: "k",
        LITESTREAM_SECRET_ACCESS_KEY: "s",
        LITESTREAM_METRICS_ADDR: "0.0.0.0:9090",
      },
      /LITESTREAM_METRICS_ADDR=0.0.0.0:9090 must be a loopback address/,
    ],
    [
      "encryption key of the wrong length",
      { POCKETBASE_ENCRYPTION_KEY: "short" },
      /POCKETBASE_ENCRYPTION_KEY must be exactly 32 characters \(it has 5\)/,
    ],
    ["PORT not a number", { PORT: "http" }, /PORT="http" is not a port number/],
    [
      "PocketBase binary missing",
      { POCKETBASE_BIN: "/nonexistent/pocketbase" },
      /POCKETBASE_BIN=\/nonexistent\/pocketbase is not an executable file/,
    ],
  ];
  for (const [name, env, message] of cases) {
    it(name, async () => {
      const s = await site();
      const { code, output, stdout, stderr, lines } = await runToExit(entrypointEnv(s, undefined, env), 10_000);
      expect(code).toBe(1);
      // One JSON line on stdout, level ERROR, from the entrypoint; nothing on stderr.
      expect(stderr).toBe("");
      const fatal = parseJsonLines(stdout).filter((l) => l.msg.includes("FATAL"));
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatchObject({ level: "ERROR", source: "entrypoint" });
      expect(lines.filter((l) => l.includes("FATAL"))[0]).toMatch(/^entrypoint: FATAL: /);
      expect(fatal[0]!.msg).toMatch(message);
      // Nothing started, no database created, and no secret echoed.
      expect(existsSync(join(s.dataDir, "data.db"))).toBe(false);
      if ((env.LITESTREAM_SECRET_ACCESS_KEY ?? "").trim().length > 1)
        expect(output).not.toContain(env.LITESTREAM_SECRET_ACCESS_KEY!.trim());
      expect(output).not.toContain("KEY:SECRET@");
    });
  }
});

describe("entrypoint against versitygw", () => {
  it("no REPLICA_URL: runs PocketBase alone and says loudly that the data is ephemeral", async () => {
    const s = await site();
    const run = start(entrypointEnv(s, undefined, { POCKETBASE_ENCRYPTION_KEY: "0123456789abcdef0123456789abcdef" }));
    await run.waitHealthy(s.url);
    // The entrypoint runs PocketBase as its child, with the encryption key passed by name, not value.
    const { argv } = serveProcess(run);
    expect(argv).toEqual(expect.arrayContaining(["serve", "--encryptionEnv", "POCKETBASE_ENCRYPTION_KEY", "--automigrate=false"]));
    expect(argv.join(" ")).not.toContain("0123456789abcdef");
    const warnings = run.lines().filter((l) => l.includes("WARNING"));
    expect(warnings.join("\n")).toMatch(/REPLICA_URL is not set: NO BACKUP/);
    expect(warnings.join("\n")).toMatch(/LOST on every deploy or restart/);
    // No Litestream: nothing listens on the metrics port.
    await expect(fetch(`http://127.0.0.1:${s.metricsPort}/metrics`)).rejects.toThrow();
  });

  it("missing replica (empty prefix): starts an empty database and replicates it there", async () => {
    const s = await site();
    const prefix = "fresh/data.db";
    const run = start(entrypointEnv(s, { url: replicaUrl(s3, prefix) }));
    await run.waitHealthy(s.url);
    expect(run.lines().join("\n")).toMatch(/WARNING: no backup found at s3:\/\/pbops-backups\/fresh\/data\.db: starting an EMPTY database/);
    expect((await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`)).status).toBe(200);
    const deadline = Date.now() + 10_000;
    await pollUntil(() => existsSync(join(s3.prefixDir(prefix), "0009")), deadline - Date.now(), 100);
    expect(readdirSync(s3.prefixDir(prefix))).toContain("0009"); // the first snapshot is on the replica
  });

  it("wrong secret key: fails loudly and starts nothing, even though a backup exists", async () => {
    // A replica with data in it, written through the entrypoint with the right keys.
    const s = await site();
    const url = replicaUrl(s3, "guarded/data.db");
    const env = entrypointEnv(s, { url });
    const run = start(env);
    await run.waitHealthy(s.url);
    await upsertSuperuser(s, env);
    const token = await superuserToken(s.url);
    await createDrillCollection(s.url, token);
    await insert(s.url, token, 1, "must not be shadowed");
    await waitReplicaCaughtUp(s, env, 15_000);
    await run.terminate();

    // New container, wrong secret: no restore, no PocketBase, no empty database.
    const lost = await site();
    const { code, output, lines } = await runToExit(
      entrypointEnv(lost, { url, keys: { accessKey: S3_KEYS.accessKey, secretKey: "wrong-secret-key-0000000000000000" } }),
    );
    expect(code).toBe(1);
    const fatal = lines.filter((l) => l.includes("FATAL"));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(
      /^entrypoint: FATAL: cannot read the replica s3:\/\/pbops-backups\/guarded\/data\.db: .*StatusCode: 403.*SignatureDoesNotMatch/,
    );
    expect(fatal[0]).toMatch(/Not starting: an empty database would be replicated over a backup that could not be read/);
    expect(output).not.toContain("wrong-secret-key");
    expect(output).not.toContain("Server started");
    expect(existsSync(join(lost.dataDir, "data.db"))).toBe(false);

    // Same for a wrong access key id and for a bucket that does not exist.
    const wrongId = await runToExit(
      entrypointEnv(lost, { url, keys: { accessKey: "AKIAWRONGWRONGWRONG0", secretKey: S3_KEYS.secretKey } }),
    );
    expect(wrongId.code).toBe(1);
    // versitygw answers an unknown key id with 404 XAdminUserNotFound (Spaces/AWS: 403 InvalidAccessKeyId).
    expect(wrongId.lines.find((l) => l.includes("FATAL"))).toMatch(
      /cannot read the replica .*StatusCode: 40[34].*(XAdminUserNotFound|InvalidAccessKeyId)/,
    );
    const noBucket = await runToExit(entrypointEnv(lost, { url: url.replace("s3://pbops-backups/", "s3://no-such-bucket/") }));
    expect(noBucket.code).toBe(1);
    expect(noBucket.lines.find((l) => l.includes("FATAL"))).toMatch(
      /cannot read the replica s3:\/\/no-such-bucket\/guarded\/data\.db: .*NoSuchBucket/,
    );
    expect(existsSync(join(lost.dataDir, "data.db"))).toBe(false);

    // And the right keys restore the record.
    const ok = start(entrypointEnv(lost, { url }));
    await ok.waitHealthy(lost.url);
    expect(ok.lines().join("\n")).toMatch(/restored .*data\.db \(\d+ bytes\) from s3:\/\/pbops-backups\/guarded\/data\.db/);
    expect([...(await listSeqs(lost.url, await superuserToken(lost.url)))]).toEqual([1]);
  });

  it("S3 endpoint down: fails loudly instead of starting empty", async () => {
    const s = await site();
    const down = `s3://pbops-backups/x/data.db?endpoint=http://127.0.0.1:${s.port}&region=us-east-1&forcePathStyle=true`;
    const { code, lines } = await runToExit(entrypointEnv(s, { url: down }), 60_000);
    expect(code).toBe(1);
    expect(lines.find((l) => l.includes("FATAL"))).toMatch(
      /cannot read the replica s3:\/\/pbops-backups\/x\/data\.db: .*connection refused/,
    );
    expect(existsSync(join(s.dataDir, "data.db"))).toBe(false);
  }, 60_000);

  it("existing data.db (restart on the same disk): does not restore over it", async () => {
    const s = await site();
    const env = entrypointEnv(s, { url: replicaUrl(s3, "restart/data.db") });
    const first = start(env);
    await first.waitHealthy(s.url);
    await first.terminate();
    const second = start(env);
    await second.waitHealthy(s.url);
    expect(second.lines().join("\n")).toMatch(/data\.db exists; not restoring/);
  });

  it("a half-finished restore (data.db.tmp) left by a killed container is discarded", async () => {
    const s = await site();
    mkdirSync(s.dataDir, { recursive: true });
    writeFileSync(join(s.dataDir, "data.db.tmp"), "garbage from a killed restore");
    const run = start(entrypointEnv(s, { url: replicaUrl(s3, "tmpleft/data.db") }));
    await run.waitHealthy(s.url);
    expect(existsSync(join(s.dataDir, "data.db.tmp"))).toBe(false);
  });

  it("SIGTERM (a deploy): Litestream stops PocketBase, syncs the last writes and exits 0", async () => {
    const s = await site();
    const prefix = "sigterm/data.db";
    const migrations = join(s.dataDir, "..", "pb_migrations");
    mkdirSync(migrations, { recursive: true });
    const env = entrypointEnv(
      s,
      { url: replicaUrl(s3, prefix) },
      { LITESTREAM_SYNC_INTERVAL: "10s", POCKETBASE_MIGRATIONS_DIR: migrations },
    );
    const run = start(env, ["--origins=http://127.0.0.1"]);
    await run.waitHealthy(s.url);
    await upsertSuperuser(s, env);
    const token = await superuserToken(s.url);
    await createDrillCollection(s.url, token);
    // --automigrate=false: creating a collection wrote no migration file (the image's dir is read-only).
    expect(readdirSync(migrations)).toEqual([]);
    for (let i = 1; i <= 20; i++) await insert(s.url, token, i, `row ${i}`);
    // With a 10s sync interval these writes are not on the replica yet; the shutdown sync must ship them.
    const t0 = Date.now();
    const { code, signal } = await run.terminate();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(run.output()).toMatch(/signal received, litestream shutting down/);
    expect(run.output()).toMatch(/litestream shut down/);
    // PocketBase is gone too (its port is free), and the replica has all 20 rows.
    await expect(fetch(`${s.url}/api/health`)).rejects.toThrow();
    const fresh = await site();
    const restored = start(entrypointEnv(fresh, { url: replicaUrl(s3, prefix) }));
    await restored.waitHealthy(fresh.url);
    expect((await listSeqs(fresh.url, await superuserToken(fresh.url))).size).toBe(20);
  });

  it("SIGTERM during a restore stops at once and leaves no partial database", async () => {
    const s = await site();
    const env = entrypointEnv(s, { url: replicaUrl(s3, "slowrestore/data.db") });
    const run = start(env);
    await run.waitHealthy(s.url);
    await run.terminate();
    // Freeze the S3 server so the restore hangs, then stop the new container.
    const fresh = await site();
    s3.pause();
    try {
      const hung = start(entrypointEnv(fresh, { url: replicaUrl(s3, "slowrestore/data.db") }));
      // Time for the restore to reach the frozen server: the entrypoint says nothing until the
      // restore returns, so what is proven is that it is still there after a while.
      await sleep(1500);
      expect(hung.running()).toBe(true);
      const t0 = Date.now();
      const { code } = await hung.terminate(5000);
      expect(code).toBe(143);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(hung.lines().join("\n")).toMatch(/signal received during lease claim or restore; stopping/);
    } finally {
      s3.resume();
    }
    expect(existsSync(join(fresh.dataDir, "data.db"))).toBe(false);
    expect(existsSync(join(fresh.dataDir, "data.db.tmp"))).toBe(false);
    expect(statSync(fresh.dataDir).isDirectory()).toBe(true);
  });
});
