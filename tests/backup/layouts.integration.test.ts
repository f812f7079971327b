// Replicas written by Litestream v0.5 (LTX levels) and v0.3 (generations, the DigitalOcean
// template's layout) are both read correctly, on both PocketBase versions: v0.40.4 lists through
// PocketBase's own $filesystem.s3, v0.31.0 (no $filesystem.s3) through pb-ops's SigV4 request.
// Each combination: writes through the API reach the replica and the report is ok with the remote
// position equal to Litestream's local one; then a rotated S3 secret is reported as refused
// credentials (proving the signature is really checked on both client paths).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LITESTREAM_VERSIONS, Litestream, S3_KEYS, S3Server, replicaEnv, replicaUrl } from "../../toolkit/backup-stack";
import { fetchJson } from "../../toolkit/http";
import { POCKETBASE_VERSIONS, freePort, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { readUntil } from "../../toolkit/wait";

const OPS_TOKEN = "layoutsToken-2b9d7a5f3c1e7f3a9c2e5b1d8f4a6c0e";
const COMBOS = POCKETBASE_VERSIONS.flatMap((pbv: string) => LITESTREAM_VERSIONS.map((lsv: string) => [pbv, lsv] as [string, string]));

describe.each(COMBOS)("PocketBase %s + Litestream %s", (pbVersion, lsVersion) => {
  let s3: S3Server;
  let pb: RunningPocketBase;
  let ls: Litestream;
  let dataDir: string;
  const v03 = lsVersion.startsWith("v0.3.");

  beforeAll(async () => {
    s3 = new S3Server();
    await s3.start();
    const metricsPort = await freePort();
    const url = replicaUrl(s3, "db");
    dataDir = mkdtempSync(join(tmpdir(), "pbops-data-"));
    ls = new Litestream({ version: lsVersion, dbPath: join(dataDir, "data.db"), replicaUrl: url, metricsPort });
    pb = await startPocketBase({
      version: pbVersion,
      dataDir,
      serveArgs: ["--automigrate=false"],
      env: {
        ...replicaEnv(url),
        PB_OPS_TOKEN: OPS_TOKEN,
        // v0.3: pb-ops reads the replica and the metrics address from the same litestream.yml
        // Litestream runs with (PB_LITESTREAM_CONFIG); v0.5: from REPLICA_URL and the metrics URL.
        ...(v03 ? { PB_LITESTREAM_CONFIG: ls.configPath } : { PB_LITESTREAM_METRICS_URL: `http://127.0.0.1:${metricsPort}/metrics` }),
        PB_BACKUP_MAX_LAG: "5s",
        PB_BACKUP_CACHE_TTL: "0s",
        PB_BACKUP_TIMEOUT: "1s",
      },
    });
    const token = await pb.superuserToken();
    const res = await fetch(`${pb.url}/api/collections`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: token },
      body: JSON.stringify({ name: "notes", type: "base", fields: [{ name: "text", type: "text" }], createRule: "" }),
    });
    if (res.status !== 200) throw new Error(`collection: ${res.status} ${await res.text()}`);
    await ls.start();
  }, 120_000);

  afterAll(async () => {
    await ls?.stop();
    await pb?.stop();
    await s3?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function report() {
    return fetchJson(`${pb.url}/api/ops/backup-status`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  }

  async function until(pred: (b: any) => boolean, withinMs: number, what: string) {
    return (await readUntil(async () => (await report()).body, pred, { withinMs, everyMs: 250, what })).value;
  }

  it("reads the replica: ok, remote position equal to Litestream's local one", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${pb.url}/api/collections/notes/records`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: `n${i}` }),
      });
      expect(r.status).toBe(200);
    }
    const caughtUp = v03
      ? (b: any) =>
          b.status === "ok" &&
          b.remote.generation === b.local.litestream.generation &&
          b.remote.walIndex >= b.local.litestream.walIndex &&
          b.remote.walIndex !== null
      : (b: any) => b.status === "ok" && b.remote.txid > 1 && b.remote.txid === b.local.txid;
    const body = await until(caughtUp, 10_000, "caught up");
    expect(body.remote.client).toBe(pbVersion === "v0.31.0" ? "sigv4" : "pocketbase");
    expect(body.replica.source).toBe(v03 ? "litestream.yml" : "env");
    expect(body.remote.restorable).toBe(true);
    if (v03) {
      expect(body.remote).toMatchObject({ layout: "v0.3", generations: 1 });
      expect(body.remote.generation).toMatch(/^[0-9a-f]{16}$/);
      expect(body.remote.snapshots).toBeGreaterThanOrEqual(1);
      expect(body.local.litestream.layout).toBe("v0.3");
    } else {
      expect(body.remote).toMatchObject({ layout: "v0.5" });
      expect(body.remote.levels["0"].files).toBeGreaterThanOrEqual(1);
      expect(body.local.litestream.layout).toBe("v0.5");
    }
    expect(body.lag.seconds).toBeLessThanOrEqual(5);
  });

  it("a rotated S3 secret is reported as refused credentials", async () => {
    await s3.stop();
    await s3.start({ accessKey: S3_KEYS.accessKey, secretKey: "rotatedSecretKey-0000000000000003" });
    try {
      const body = await until(
        (b) => b.status === "failing" && b.reasons.some((r: any) => r.code === "s3_credentials_refused"),
        8000,
        "refused",
      );
      expect(body.remote.detail).toBe("403 SignatureDoesNotMatch");
      const res = await report();
      expect(res.status).toBe(503);
      const all = JSON.stringify(res.body) + pb.stdout() + pb.stderr();
      for (const secret of [S3_KEYS.secretKey, S3_KEYS.accessKey, OPS_TOKEN, "rotatedSecretKey"]) expect(all).not.toContain(secret);
    } finally {
      await s3.stop();
      await s3.start();
    }
  });
});
