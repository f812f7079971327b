// /api/ops/backup-status against the real stack on loopback: PocketBase v0.40.4 + Litestream v0.5
// replicating its data.db to versitygw. Healthy after writes, then each fault turns the report
// non-ok within the max lag with the right reason, and it recovers when the fault is removed.
// Access (401 / bearer / superuser) and "no secret in any response or log line" are checked on
// the same stack.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, Litestream, S3_KEYS, S3Server, replicaEnv, replicaUrl } from "../../toolkit/backup-stack";
import { fetchJson } from "../../toolkit/http";
import { freePort, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { readUntil, sleep } from "../../toolkit/wait";

const VERSION = "v0.40.4";
const LITESTREAM = "v0.5.18";
const OPS_TOKEN = "opsToken-7f3a9c2e5b1d8f4a6c0e2b9d7a5f3c1e";
const MAX_LAG_MS = 5000;
const CACHE_TTL_MS = 1000;
const TIMEOUT_S = 1;
/** A fault must show within the max lag, plus one cache period and one call timeout. */
const DETECT_WITHIN_MS = MAX_LAG_MS + CACHE_TTL_MS + TIMEOUT_S * 1000 + 1000;

let s3: S3Server;
let pb: RunningPocketBase;
let ls: Litestream;
const seen: string[] = []; // every response body, for the secret check
let writer: ReturnType<typeof setInterval> | undefined;

async function status(headers: Record<string, string> = { authorization: `Bearer ${OPS_TOKEN}` }) {
  const res = await fetchJson(`${pb.url}/api/ops/backup-status`, { headers });
  seen.push(JSON.stringify(res.body));
  return res;
}

/** Polls until `pred` holds; returns the matching report and how long it took. */
async function until(pred: (body: any) => boolean, withinMs: number, what: string) {
  const { value, ms } = await readUntil(async () => (await status()).body, pred, { withinMs, everyMs: 250, what });
  return { body: value, ms };
}

const codes = (body: any): string[] => body.reasons.map((r: any) => r.code);

let n = 0;
async function write(): Promise<void> {
  const token = await pb.superuserToken();
  const res = await fetch(`${pb.url}/api/collections/notes/records`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: token },
    body: JSON.stringify({ text: `note ${++n} ${"x".repeat(200)}` }),
  });
  if (res.status !== 200) throw new Error(`write failed: ${res.status} ${await res.text()}`);
}

function startWriting(everyMs = 300): void {
  writer = setInterval(() => void write().catch(() => {}), everyMs);
}

function stopWriting(): void {
  if (writer) clearInterval(writer);
  writer = undefined;
}

const healthy = (b: any) => b.status === "ok" && b.remote.state === "ok" && b.lag.txidBehind === 0;

beforeAll(async () => {
  s3 = new S3Server();
  await s3.start();
  const metricsPort = await freePort();
  const url = replicaUrl(s3, "app/data.db");
  pb = await startPocketBase({
    version: VERSION,
    // No migration files for the test collection.
    serveArgs: ["--automigrate=false"],
    env: {
      ...replicaEnv(url),
      PB_OPS_TOKEN: OPS_TOKEN,
      PB_LITESTREAM_METRICS_URL: `http://127.0.0.1:${metricsPort}/metrics`,
      PB_BACKUP_MAX_LAG: `${MAX_LAG_MS / 1000}s`,
      PB_BACKUP_CACHE_TTL: `${CACHE_TTL_MS / 1000}s`,
      PB_BACKUP_TIMEOUT: `${TIMEOUT_S}s`,
    },
  });
  const token = await pb.superuserToken();
  const res = await fetch(`${pb.url}/api/collections`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: token },
    body: JSON.stringify({ name: "notes", type: "base", fields: [{ name: "text", type: "text" }], createRule: "", listRule: "" }),
  });
  if (res.status !== 200) throw new Error(`collection: ${res.status} ${await res.text()}`);
  ls = new Litestream({ version: LITESTREAM, dbPath: `${pb.dataDir}/data.db`, replicaUrl: url, metricsPort });
  await ls.start();
}, 120_000);

afterAll(async () => {
  stopWriting();
  await ls?.stop();
  await pb?.stop();
  await s3?.destroy();
});

describe(`PocketBase ${VERSION} + Litestream ${LITESTREAM} + versitygw`, () => {
  it("is ok after writes through the API, with the remote TXID caught up to the local one", async () => {
    for (let i = 0; i < 5; i++) await write();
    // The initial snapshot is TXID 1; the writes must reach the replica too.
    const { body } = await until((b) => healthy(b) && b.remote.txid > 1, MAX_LAG_MS, "healthy");
    expect(body.remote).toMatchObject({ layout: "v0.5", restorable: true, client: "pocketbase" });
    expect(body.remote.txid).toBeGreaterThan(1);
    expect(body.remote.txid).toBe(body.local.txid);
    expect(body.litestream).toMatchObject({ state: "up" });
    expect(body.local.dbBytes).toBeGreaterThan(0);
    expect(body.replica.url).toBe(`s3://${BUCKET}/app/data.db?endpoint=http://127.0.0.1:${s3.port}&region=us-east-1&forcePathStyle=true`);
  });

  it("answers 401 without details to anyone else; the bearer token and a superuser get the report", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token-wrong-token-wrong-token" },
      { authorization: `Bearer ${OPS_TOKEN}x` },
      { authorization: OPS_TOKEN },
    ];
    for (const headers of attempts) {
      const res = await status(headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ status: 401, message: "Unauthorized.", data: {} });
    }
    expect((await status()).body.access).toBe("token");
    const su = await status({ authorization: await pb.superuserToken() });
    expect(su.status).toBe(200);
    expect(su.body.access).toBe("superuser");
  });

  it("stays ok while idle for longer than the max lag (checkpoints are not mistaken for lag)", async () => {
    await sleep(MAX_LAG_MS + 2500);
    const { body, status: code } = await status();
    expect(code).toBe(200);
    expect(body.status).toBe("ok");
  });

  it("Litestream stopped: failing with litestream_down, ok again after restart", async () => {
    await ls.stop();
    const t0 = Date.now();
    const { body } = await until((b) => b.status === "failing", DETECT_WITHIN_MS, "litestream stopped");
    expect(codes(body)).toContain("litestream_down");
    expect((await status()).status).toBe(503);
    console.log(`litestream stopped -> failing in ${Date.now() - t0}ms`);
    await ls.start();
    await write();
    await until(healthy, 15_000, "recovered after litestream restart");
  });

  it("replication stalled (Litestream SIGSTOP while writes continue): failing with replica_lagging", async () => {
    startWriting();
    await sleep(1500); // writes under way and replicated for a few syncs before Litestream stops
    ls.pause();
    const t0 = Date.now();
    try {
      const { body } = await until((b) => codes(b).includes("replica_lagging"), DETECT_WITHIN_MS + 2000, "stall");
      expect(body.status).toBe("failing");
      // The report rounds lag to 0.1 s: a lag of 5.04 s against a 5 s limit reads 5.0.
      expect(body.lag.seconds).toBeGreaterThanOrEqual(MAX_LAG_MS / 1000);
      console.log(`stall -> replica_lagging in ${Date.now() - t0}ms (reasons ${codes(body).join(",")})`);
    } finally {
      ls.resume();
      stopWriting();
    }
    await until(healthy, 15_000, "recovered after SIGCONT");
  });

  it("S3 server stopped: failing with s3_unreachable, answered quickly; ok again after restart", async () => {
    await s3.stop();
    const t0 = Date.now();
    const { body } = await until((b) => codes(b).includes("s3_unreachable"), DETECT_WITHIN_MS, "s3 stopped");
    expect(body.status).toBe("failing");
    console.log(`s3 stopped -> s3_unreachable in ${Date.now() - t0}ms`);
    await s3.start();
    await write();
    await until(healthy, 20_000, "recovered after s3 restart");
  });

  it("S3 server frozen (accepts connections, never answers): a request still returns within the timeouts", async () => {
    s3.pause();
    try {
      await sleep(CACHE_TTL_MS + 100);
      const t0 = Date.now();
      const res = await status();
      const ms = Date.now() - t0;
      expect(res.status).toBe(503);
      expect(codes(res.body)).toContain("s3_unreachable");
      expect(res.body.remote.detail).toBe("timeout");
      expect(ms).toBeLessThan(TIMEOUT_S * 1000 * 2 + 1500);
      console.log(`frozen s3: answered in ${ms}ms`);
    } finally {
      s3.resume();
    }
    await until(healthy, 20_000, "recovered after s3 resume");
  });

  it("wrong S3 credentials: failing with s3_credentials_refused (secret rotated, then key unknown)", async () => {
    const cases: [{ accessKey: string; secretKey: string }, RegExp][] = [
      // Same key id, new secret: every signature is refused (403 SignatureDoesNotMatch).
      [{ accessKey: S3_KEYS.accessKey, secretKey: "rotatedSecretKey-0000000000000001" }, /^403 SignatureDoesNotMatch$/],
      // Unknown key id: S3 says 403 InvalidAccessKeyId, versitygw 404 XAdminUserNotFound.
      [
        { accessKey: "rotatedAccessKey0001", secretKey: "rotatedSecretKey-0000000000000002" },
        /^(403 InvalidAccessKeyId|404 XAdminUserNotFound)$/,
      ],
    ];
    try {
      for (const [keys, detail] of cases) {
        await s3.stop();
        await s3.start(keys);
        const { body } = await until(
          (b) => codes(b).includes("s3_credentials_refused") && detail.test(b.remote.detail),
          DETECT_WITHIN_MS,
          `wrong credentials ${detail}`,
        );
        expect(body.status).toBe("failing");
      }
    } finally {
      await s3.stop();
      await s3.start();
    }
    await write();
    await until(healthy, 20_000, "recovered with the right keys");
  });

  it("replica prefix emptied: failing (replica_empty or not restorable)", async () => {
    rmSync(s3.prefixDir("app/data.db"), { recursive: true, force: true });
    const { body } = await until(
      (b) => codes(b).some((c) => c === "replica_empty" || c === "replica_not_restorable"),
      DETECT_WITHIN_MS,
      "emptied",
    );
    expect(body.status).toBe("failing");
    // Writes after the wipe put new LTX files there, but without the history a restore needs.
    for (let i = 0; i < 3; i++) await write();
    await sleep(2500); // a few Litestream syncs of those writes: the report stays failing
    const after = (await status()).body;
    expect(after.status).toBe("failing");
    expect(codes(after).some((c) => c === "replica_empty" || c === "replica_not_restorable")).toBe(true);
  });

  it("no key, secret or token appears in any response or log line", async () => {
    const logs = pb.stdout() + pb.stderr();
    expect(logs).toMatch(/backup status changed/);
    for (const secret of [S3_KEYS.accessKey, S3_KEYS.secretKey, OPS_TOKEN, "rotatedSecretKey"]) {
      for (const body of seen) expect(body).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    // Status changes are pb-ops events (JSON lines).
    const events = logs
      .split("\n")
      .filter((l) => l.includes('"backup status changed"'))
      .map((l) => JSON.parse(l.slice(l.indexOf("{"))));
    expect(events.map((e) => e.to)).toEqual(expect.arrayContaining(["ok", "failing"]));
  });
});
