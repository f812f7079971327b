// Pure backup-status logic in Node: replica config parsing, Litestream metrics, both replica
// layouts, SigV4 pieces (SHA-256/HMAC checked against node:crypto), error classification, access
// and the status rules.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bearerToken, mayReadBackupStatus } from "../../src/backup/auth";
import { constantTimeEqual } from "../../src/crypto/constant-time";
import { METRICS_AUTO, parseBytes, parseMetricsUrl, parseOpsToken, resolveMetricsUrl } from "../../src/backup/config";
import { localLitestream } from "../../src/backup/local";
import { litestreamMetrics, parsePrometheus } from "../../src/backup/metrics";
import { contiguousTo, summarizeRemote, type RemoteObject } from "../../src/backup/remote";
import { metricsUrlFromAddr, parseReplicaUrl, parseSimpleYaml, replicaFromEnv, replicaFromYaml } from "../../src/backup/replica";
import { classifyS3Response, classifyThrown, parseListObjectsV2, signedListRequest, uriEncode } from "../../src/backup/s3";
import { hmacSha256, sha256, toHex, utf8 } from "../../src/backup/sha256";
import { decideStatus, type StatusInput } from "../../src/backup/status";

describe("replica URL", () => {
  it("reads the DigitalOcean Spaces host form", () => {
    const t = parseReplicaUrl("s3://my-bucket.fra1.digitaloceanspaces.com/pb/data.db");
    expect(t).toMatchObject({
      bucket: "my-bucket",
      region: "fra1",
      endpoint: "https://fra1.digitaloceanspaces.com",
      prefix: "pb/data.db/",
      forcePathStyle: false,
    });
    expect(t.display).toBe("s3://my-bucket/pb/data.db?endpoint=https://fra1.digitaloceanspaces.com&region=fra1");
  });

  it("reads the endpoint/region/forcePathStyle query form", () => {
    const t = parseReplicaUrl("s3://backups/app/db?endpoint=http://127.0.0.1:9000&region=us-west-1&forcePathStyle=true");
    expect(t).toMatchObject({
      bucket: "backups",
      region: "us-west-1",
      endpoint: "http://127.0.0.1:9000",
      prefix: "app/db/",
      forcePathStyle: true,
    });
  });

  it("defaults to AWS and drops userinfo from what it shows", () => {
    const t = parseReplicaUrl("s3://AKIA:SECRETXYZ@bucket/x");
    expect(t.endpoint).toBe("https://s3.us-east-1.amazonaws.com");
    expect(t.display).not.toMatch(/AKIA|SECRETXYZ/);
  });

  it("rejects what Litestream would not read", () => {
    expect(() => parseReplicaUrl("https://bucket/x")).toThrow(/s3:\/\//);
    expect(() => parseReplicaUrl("s3://bucket.example.com/x")).toThrow(/unknown S3 host/);
    expect(() => parseReplicaUrl("s3://bkt/x?endpoint=http://user:pw@host")).toThrow(/endpoint/);
  });

  it("env: unconfigured without REPLICA_URL, invalid with a bad one, keys optional", () => {
    expect(replicaFromEnv({}).kind).toBe("unconfigured");
    expect(replicaFromEnv({ REPLICA_URL: "nope" }).kind).toBe("invalid");
    const ok = replicaFromEnv({
      REPLICA_URL: "s3://bkt/p?endpoint=http://127.0.0.1:1",
      LITESTREAM_ACCESS_KEY_ID: "id",
      LITESTREAM_SECRET_ACCESS_KEY: "sec",
    });
    expect(ok).toMatchObject({ kind: "ok", credentials: { accessKeyId: "id", secretAccessKey: "sec" } });
    expect(replicaFromEnv({ REPLICA_URL: "s3://bkt/p?endpoint=http://127.0.0.1:1" })).toMatchObject({ kind: "ok", credentials: null });
  });
});

describe("litestream.yml", () => {
  it("reads a url replica of data.db, expands ${VAR} and takes keys from the environment", () => {
    const yml = `# comment
addr: ":9091"
dbs:
  - path: /srv/other.db
    replicas:
      - url: s3://other/x?endpoint=http://h:1
  - path: /pb/pb_data/data.db   # ours
    replicas:
      - url: \${REPLICA_URL}
        sync-interval: 1s
`;
    const r = replicaFromYaml(yml, {
      REPLICA_URL: "s3://bkt/pb?endpoint=http://127.0.0.1:9000&forcePathStyle=true",
      LITESTREAM_ACCESS_KEY_ID: "a",
      LITESTREAM_SECRET_ACCESS_KEY: "b",
    });
    expect(r).toMatchObject({
      kind: "ok",
      source: "litestream.yml",
      metricsAddr: ":9091",
      target: { bucket: "bkt", prefix: "pb/" },
      credentials: { accessKeyId: "a" },
    });
    expect(metricsUrlFromAddr(":9091")).toBe("http://127.0.0.1:9091/metrics");
  });

  it("reads a type/bucket/path replica with keys in the file (v0.5 singular `replica`)", () => {
    const yml = `dbs:
  - path: /data/data.db
    replica:
      type: s3
      bucket: "spaces-bucket"
      path: backups/db
      endpoint: https://fra1.digitaloceanspaces.com
      region: fra1
      access-key-id: KEYID
      secret-access-key: 'sekret'
`;
    const r = replicaFromYaml(yml, {});
    expect(r).toMatchObject({
      kind: "ok",
      target: { bucket: "spaces-bucket", prefix: "backups/db/", endpoint: "https://fra1.digitaloceanspaces.com", region: "fra1" },
      credentials: { accessKeyId: "KEYID", secretAccessKey: "sekret" },
    });
  });

  it("refuses YAML it does not understand instead of guessing", () => {
    expect(replicaFromYaml("dbs: [a, b]", {}).kind).toBe("invalid");
    expect(() => parseSimpleYaml("a: 1\n   b: 2")).toThrow(/indentation/);
    expect(replicaFromYaml("dbs:\n  - path: /x/data.db\n", {}).kind).toBe("unconfigured");
  });
});

const V05_METRICS = `# HELP litestream_txid Current transaction ID
# TYPE litestream_txid gauge
litestream_txid{db="/pb/pb_data/auxiliary.db"} 99
litestream_txid{db="/pb/pb_data/data.db"} 42
litestream_db_size{db="/pb/pb_data/data.db"} 4096
litestream_wal_size{db="/pb/pb_data/data.db"} 8272
litestream_sync_count{db="/pb/pb_data/data.db"} 17
litestream_sync_error_count{db="/pb/pb_data/data.db"} 0
litestream_replica_operation_total{operation="PUT",replica_type="s3"} 12
litestream_replica_operation_total{operation="GET",replica_type="s3"} 3
litestream_replica_operation_errors_total{operation="PUT",replica_type="s3"} 1
go_goroutines 12
`;

describe("Litestream metrics", () => {
  it("parses the Prometheus text format and picks data.db's series", () => {
    const m = litestreamMetrics(parsePrometheus(V05_METRICS));
    expect(m).toMatchObject({
      isLitestream: true,
      db: "/pb/pb_data/data.db",
      txid: 42,
      dbSizeBytes: 4096,
      walSizeBytes: 8272,
      syncCount: 17,
      syncErrorCount: 0,
      replicaPuts: 12,
      replicaErrors: 1,
    });
  });

  it("recognises an endpoint that is not Litestream's", () => {
    expect(litestreamMetrics(parsePrometheus("go_goroutines 3\n")).isLitestream).toBe(false);
    expect(parsePrometheus('x{a="q\\"uote"} 1 1700000000\nbad line\n')).toEqual([{ name: "x", labels: { a: 'q"uote' }, value: 1 }]);
  });
});

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const obj = (key: string, ageS = 0, size = 100): RemoteObject => ({ key, modTimeMs: T0 - ageS * 1000, size });
const ltx = (level: number, min: number, max: number, ageS = 0) =>
  obj(`${level.toString(16).padStart(4, "0")}/${min.toString(16).padStart(16, "0")}-${max.toString(16).padStart(16, "0")}.ltx`, ageS);

describe("replica layouts", () => {
  it("v0.5: newest TXID over all levels, restorable when the files chain from TXID 1", () => {
    const s = summarizeRemote([ltx(9, 1, 10, 60), ltx(1, 11, 20, 30), ltx(0, 21, 21, 5), ltx(0, 22, 23, 1), obj("notes.txt")]);
    expect(s).toMatchObject({
      layout: "v0.5",
      objects: 4,
      foreign: 1,
      v05: { maxTXID: 23, restorable: true, levels: { "0": { files: 2, maxTXID: 23 }, "9": { files: 1 } } },
    });
    expect(s.newest?.key).toBe("0000/0000000000000016-0000000000000017.ltx");
  });

  it("v0.5: a prefix emptied under a running Litestream is not restorable", () => {
    const s = summarizeRemote([ltx(0, 30, 30), ltx(0, 31, 32)]);
    expect(s.v05).toMatchObject({ restorable: false, contiguousToTXID: 0, maxTXID: 32 });
    expect(
      contiguousTo([
        { level: 9, minTXID: 1, maxTXID: 5 },
        { level: 0, minTXID: 7, maxTXID: 8 },
      ]),
    ).toBe(5);
  });

  it("v0.3: newest generation by object time, its snapshot and WAL position", () => {
    const old = "0123456789abcdef";
    const gen = "fedcba9876543210";
    const s = summarizeRemote([
      obj(`generations/${old}/snapshots/00000000.snapshot.lz4`, 3600),
      obj(`generations/${gen}/snapshots/00000001.snapshot.lz4`, 30),
      obj(`generations/${gen}/wal/00000001_00000000.wal.lz4`, 20),
      obj(`generations/${gen}/wal/00000002_00000000.wal.lz4`, 10),
      obj(`generations/${gen}/wal/00000002_00001020.wal.lz4`, 2),
    ]);
    expect(s).toMatchObject({
      layout: "v0.3",
      v03: { generation: gen, generations: 2, snapshots: 1, walIndex: 2, walOffset: 0x1020, restorable: true },
    });
  });

  it("v0.3: a generation without snapshot or with a missing WAL index is not restorable", () => {
    const gen = "fedcba9876543210";
    expect(summarizeRemote([obj(`generations/${gen}/wal/00000003_00000000.wal.lz4`)]).v03).toMatchObject({
      restorable: false,
      problem: /no snapshot/,
    });
    const gap = summarizeRemote([
      obj(`generations/${gen}/snapshots/00000001.snapshot.lz4`),
      obj(`generations/${gen}/wal/00000003_00000000.wal.lz4`),
    ]);
    expect(gap.v03?.problem).toMatch(/WAL index 2 is missing/);
  });

  it("empty and foreign-only prefixes", () => {
    expect(summarizeRemote([]).layout).toBe("empty");
    expect(summarizeRemote([obj("x/y")]).layout).toBe("unknown");
  });

  it("local state: v0.5 LTX names, v0.3 generation + shadow WAL", () => {
    expect(
      localLitestream({
        ltxNames: ["0000000000000001-0000000000000009.ltx", "000000000000000a-000000000000000c.ltx"],
        generation: null,
        shadowWalNames: [],
      }),
    ).toEqual({ layout: "v0.5", txid: 12 });
    expect(localLitestream({ ltxNames: [], generation: "fedcba9876543210\n", shadowWalNames: ["00000001.wal", "00000003.wal"] })).toEqual({
      layout: "v0.3",
      generation: "fedcba9876543210",
      walIndex: 3,
    });
    expect(localLitestream({ ltxNames: [], generation: null, shadowWalNames: [] })).toEqual({ layout: "none" });
  });
});

describe("SigV4 pieces", () => {
  it("SHA-256 and HMAC-SHA256 match node:crypto", () => {
    for (const len of [0, 1, 55, 56, 63, 64, 65, 200, 1000]) {
      const data = randomBytes(len);
      expect(toHex(sha256(data))).toBe(createHash("sha256").update(data).digest("hex"));
      const key = randomBytes(len % 100);
      expect(toHex(hmacSha256(key, data))).toBe(createHmac("sha256", key).update(data).digest("hex"));
    }
    expect(toHex(hmacSha256(randomBytes(0).fill(1), utf8("é€😀")))).toBe(
      createHmac("sha256", Buffer.alloc(0)).update("é€😀").digest("hex"),
    );
  });

  it("signs a ListObjectsV2 request the way AWS derives the key", () => {
    const t = parseReplicaUrl("s3://bkt/pre fix?endpoint=http://127.0.0.1:9000&forcePathStyle=true&region=us-east-1");
    const req = signedListRequest(t, { accessKeyId: "AKID", secretAccessKey: "SECRET" }, T0);
    expect(req.url).toBe("http://127.0.0.1:9000/bkt?list-type=2&max-keys=1000&prefix=pre%20fix%2F");
    expect(req.headers["x-amz-date"]).toBe("20260101T120000Z");
    // Reference signature computed independently with node:crypto.
    const hash = (s: string) => createHash("sha256").update(s).digest("hex");
    const hmac = (k: Buffer | string, s: string) => createHmac("sha256", k).update(s).digest();
    const canonical = [
      "GET",
      "/bkt",
      "list-type=2&max-keys=1000&prefix=pre%20fix%2F",
      "host:127.0.0.1:9000",
      `x-amz-content-sha256:${hash("")}`,
      "x-amz-date:20260101T120000Z",
      "",
      "host;x-amz-content-sha256;x-amz-date",
      hash(""),
    ].join("\n");
    const toSign = ["AWS4-HMAC-SHA256", "20260101T120000Z", "20260101/us-east-1/s3/aws4_request", hash(canonical)].join("\n");
    const key = hmac(hmac(hmac(hmac("AWS4SECRET", "20260101"), "us-east-1"), "s3"), "aws4_request");
    expect(req.headers.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${createHmac("sha256", key).update(toSign).digest("hex")}`,
    );
    expect(uriEncode("a/b c~", true)).toBe("a/b%20c~");
  });

  it("parses a ListObjectsV2 page", () => {
    const xml = `<?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>p/0000/a&amp;b.ltx</Key><LastModified>2026-01-01T12:00:00.000Z</LastModified><Size>12</Size></Contents><NextContinuationToken>tok</NextContinuationToken></ListBucketResult>`;
    expect(parseListObjectsV2(xml)).toEqual({ objects: [{ key: "p/0000/a&b.ltx", modTimeMs: T0, size: 12 }], nextToken: "tok" });
  });

  it("classifies S3 and network errors without keeping their text", () => {
    const raw = `403 SignatureDoesNotMatch: The request signature we calculated does not match\n(RAW: <Error><AWSAccessKeyId>AKIDSECRETISH</AWSAccessKeyId><StringToSign>...</StringToSign></Error>)`;
    expect(classifyThrown(raw)).toEqual({ kind: "credentials", detail: "403 SignatureDoesNotMatch" });
    expect(classifyThrown("404 NoSuchBucket: The specified bucket does not exist")).toEqual({ kind: "error", detail: "404 NoSuchBucket" });
    expect(classifyThrown('Get "http://127.0.0.1:1/b": dial tcp 127.0.0.1:1: connect: connection refused')).toEqual({
      kind: "unreachable",
      detail: "connection refused",
    });
    expect(classifyThrown("context deadline exceeded (Client.Timeout exceeded while awaiting headers)").detail).toBe("timeout");
    expect(classifyS3Response(403, "<Error><Code>InvalidAccessKeyId</Code></Error>")).toEqual({
      kind: "credentials",
      detail: "403 InvalidAccessKeyId",
    });
  });
});

describe("access", () => {
  const token = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6";
  it("superuser, or the exact bearer token", () => {
    expect(mayReadBackupStatus({ isSuperuser: true, authorization: "", opsToken: null })).toBe("superuser");
    expect(mayReadBackupStatus({ isSuperuser: false, authorization: `Bearer ${token}`, opsToken: token })).toBe("token");
    expect(mayReadBackupStatus({ isSuperuser: false, authorization: `bearer ${token}`, opsToken: token })).toBe("token");
    expect(mayReadBackupStatus({ isSuperuser: false, authorization: `Bearer ${token}x`, opsToken: token })).toBeNull();
    expect(mayReadBackupStatus({ isSuperuser: false, authorization: `Bearer ${token.slice(0, -1)}`, opsToken: token })).toBeNull();
    expect(mayReadBackupStatus({ isSuperuser: false, authorization: `Basic ${token}`, opsToken: token })).toBeNull();
    expect(mayReadBackupStatus({ isSuperuser: false, authorization: "Bearer none", opsToken: null })).toBeNull();
    expect(bearerToken("Bearer  x ")).toBe("x");
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
  });

  it("PB_OPS_TOKEN must be strong", () => {
    expect(parseOpsToken("none")).toBeNull();
    expect(parseOpsToken(token)).toBe(token);
    expect(() => parseOpsToken("short")).toThrow(/too short/);
    expect(() => parseOpsToken("a".repeat(40))).toThrow(/repetitive/);
    expect(() => parseOpsToken("abcdefghijklmnop qrstuvwxyz0123456789")).toThrow(/printable/);
  });

  it("sizes and metrics URLs", () => {
    expect(parseBytes("2GiB")).toBe(2 * 1024 ** 3);
    expect(parseBytes("500MB")).toBe(500e6);
    expect(() => parseBytes("2 parsecs")).toThrow();
    expect(parseMetricsUrl("off")).toBeNull();
    expect(() => parseMetricsUrl("http://u:p@h/metrics")).toThrow();
  });

  it("PB_LITESTREAM_METRICS_URL=auto follows LITESTREAM_METRICS_ADDR, so moving Litestream's port does not report it down", () => {
    const auto = parseMetricsUrl("auto");
    expect(auto).toBe(METRICS_AUTO);
    expect(resolveMetricsUrl(auto, "127.0.0.1:9191", undefined)).toEqual({ url: "http://127.0.0.1:9191/metrics" });
    expect(resolveMetricsUrl(auto, ":9191", undefined)).toEqual({ url: "http://127.0.0.1:9191/metrics" });
    expect(resolveMetricsUrl(auto, "[::1]:9191", undefined)).toEqual({ url: "http://[::1]:9191/metrics" });
    expect(resolveMetricsUrl(auto, undefined, undefined)).toEqual({ url: "http://127.0.0.1:9090/metrics" });
    // litestream.yml's own addr (PB_LITESTREAM_CONFIG) is where that Litestream listens: it wins.
    expect(resolveMetricsUrl(auto, "127.0.0.1:9191", "127.0.0.1:9292")).toEqual({ url: "http://127.0.0.1:9292/metrics" });
    // An explicit URL or off wins over both.
    expect(resolveMetricsUrl("http://10.0.0.2:1/m", "127.0.0.1:9191", undefined)).toEqual({ url: "http://10.0.0.2:1/m" });
    expect(resolveMetricsUrl(null, "127.0.0.1:9191", undefined)).toEqual({ url: null });
    // A set address that is not host:port is reported, not silently replaced by the default.
    expect(resolveMetricsUrl(auto, "9191", undefined)).toEqual({ error: 'LITESTREAM_METRICS_ADDR="9191" is not host:port' });
  });
});

describe("status rules", () => {
  const okReplica = {
    kind: "ok" as const,
    target: parseReplicaUrl("s3://bkt/p?endpoint=http://127.0.0.1:1"),
    credentials: { accessKeyId: "AKID", secretAccessKey: "SEKRET" },
    source: "env" as const,
  };
  const remoteOk = (objects: RemoteObject[]) => ({ ok: true as const, summary: summarizeRemote(objects), listedAtMs: T0, cached: false });
  const base = (over: Partial<StatusInput> = {}): StatusInput => ({
    nowMs: T0,
    rules: { maxLagMs: 5000, diskLimitBytes: 2 * 1024 ** 3, diskWarnShare: 0.8 },
    replica: okReplica,
    remote: remoteOk([ltx(9, 1, 10, 60), ltx(0, 11, 12, 2)]),
    metrics: {
      state: "ok",
      metrics: litestreamMetrics(parsePrometheus('litestream_txid{db="/d/data.db"} 12\nlitestream_sync_error_count{db="/d/data.db"} 0\n')),
    },
    local: { dbBytes: 4096, walBytes: 8000, walModMs: T0 - 3000, litestream: { layout: "v0.5", txid: 12 } },
    pending: null,
    lastSyncErrorCount: 0,
    builtinBackups: { count: 0, newest: null },
    ...over,
  });

  it("files on the local disk with a replica configured: degraded (files_local), once there are files", () => {
    const local = decideStatus(base({ files: { storage: "local", localFiles: true } }));
    expect(local).toMatchObject({ status: "degraded", httpStatus: 200 });
    expect(local.body.reasons).toMatchObject([{ code: "files_local", severity: "degraded" }]);
    expect(local.body.files).toEqual({ storage: "local", localFiles: true });
    expect(decideStatus(base({ files: { storage: "s3", localFiles: true } })).status).toBe("ok");
    expect(decideStatus(base({ files: { storage: "local", localFiles: false } })).status).toBe("ok");
    // Without a replica there is nothing to be degraded against: the report says unconfigured.
    const none = decideStatus(
      base({ replica: { kind: "unconfigured", reason: "x" }, remote: null, files: { storage: "local", localFiles: true } }),
    );
    expect((none.body.reasons as { code: string }[]).map((r) => r.code)).toEqual(["replica_unconfigured"]);
  });

  it("ok with 200 when the replica has the newest write and TXID", () => {
    const out = decideStatus(base());
    expect(out).toMatchObject({ status: "ok", httpStatus: 200, pending: null });
    expect(out.body).toMatchObject({ reasons: [], lag: { seconds: 0, txidBehind: 0 }, remote: { txid: 12, layout: "v0.5" } });
    expect(JSON.stringify(out.body)).not.toMatch(/AKID|SEKRET/);
  });

  it("unconfigured (503) without a replica or keys", () => {
    expect(decideStatus(base({ replica: { kind: "unconfigured", reason: "x" }, remote: null }))).toMatchObject({
      status: "unconfigured",
      httpStatus: 503,
    });
    expect(decideStatus(base({ replica: { ...okReplica, credentials: null }, remote: null })).body.reasons).toMatchObject([
      { code: "credentials_missing" },
    ]);
  });

  it.each([
    [
      "s3_unreachable",
      { remote: { ok: false as const, kind: "unreachable" as const, detail: "connection refused", listedAtMs: T0, cached: false } },
    ],
    [
      "s3_credentials_refused",
      { remote: { ok: false as const, kind: "credentials" as const, detail: "403 InvalidAccessKeyId", listedAtMs: T0, cached: false } },
    ],
    ["replica_empty", { remote: remoteOk([]) }],
    ["replica_not_restorable", { remote: remoteOk([ltx(0, 30, 31)]) }],
    ["litestream_down", { metrics: { state: "unreachable" as const, detail: "connection refused" } }],
    ["replica_config_invalid", { replica: { kind: "invalid" as const, reason: "REPLICA_URL: bad" }, remote: null }],
  ])("failing (503) with %s", (code, over) => {
    const out = decideStatus(base(over as Partial<StatusInput>));
    expect(out.status).toBe("failing");
    expect(out.httpStatus).toBe(503);
    expect((out.body.reasons as { code: string }[]).map((r) => r.code)).toContain(code);
  });

  it("lag: a write the replica does not have is tracked from when it was seen and fails past the max lag", () => {
    // A write at T0-1s; the newest remote object is 10 s old: ahead, pending since the write.
    const first = decideStatus(
      base({
        local: { dbBytes: 1, walBytes: 10, walModMs: T0 - 1000, litestream: { layout: "v0.5", txid: 12 } },
        remote: remoteOk([ltx(9, 1, 12, 10)]),
      }),
    );
    expect(first.status).toBe("ok");
    expect(first.pending).toMatchObject({ sinceMs: T0 - 1000 });
    // 6 s later, writes continued and the replica did not move: failing.
    const later = decideStatus(
      base({
        nowMs: T0 + 5000,
        pending: first.pending,
        local: { dbBytes: 1, walBytes: 10, walModMs: T0 + 4900, litestream: { layout: "v0.5", txid: 12 } },
        remote: remoteOk([ltx(9, 1, 12, 10)]),
      }),
    );
    expect(later.status).toBe("failing");
    expect(later.body.reasons).toMatchObject([{ code: "replica_lagging" }]);
    // The replica catches up past the remembered write: ok again.
    const caught = decideStatus(
      base({
        nowMs: T0 + 6000,
        pending: later.pending,
        local: { dbBytes: 1, walBytes: 10, walModMs: T0 + 4900, litestream: { layout: "v0.5", txid: 12 } },
        remote: remoteOk([ltx(9, 1, 12, 10), obj("0000/000000000000000d-000000000000000d.ltx", -5)]),
      }),
    );
    expect(caught).toMatchObject({ status: "ok", pending: null });
  });

  it("lag: an idle database (old write, replica newer) stays ok however old the replica is", () => {
    const out = decideStatus(
      base({ nowMs: T0 + 3_600_000, local: { dbBytes: 1, walBytes: 10, walModMs: T0 - 3000, litestream: { layout: "v0.5", txid: 12 } } }),
    );
    expect(out).toMatchObject({ status: "ok", pending: null });
  });

  it("lag: a local TXID ahead of the replica counts from the first check that saw it", () => {
    const first = decideStatus(
      base({ metrics: { state: "ok", metrics: litestreamMetrics(parsePrometheus('litestream_txid{db="/d/data.db"} 15\n')) } }),
    );
    expect(first.pending).toMatchObject({ sinceMs: T0, txid: 15 });
    expect(first.body.lag).toMatchObject({ txidBehind: 3 });
    const later = decideStatus(base({ nowMs: T0 + 5001, pending: first.pending }));
    expect(later.body.reasons).toMatchObject([{ code: "replica_lagging" }]);
  });

  it("lag v0.3: a local generation missing on the replica is ahead", () => {
    const gen = "fedcba9876543210";
    const out = decideStatus(
      base({
        metrics: { state: "off" },
        remote: remoteOk([obj(`generations/0123456789abcdef/snapshots/00000000.snapshot.lz4`, 1)]),
        local: { dbBytes: 1, walBytes: 0, walModMs: null, litestream: { layout: "v0.3", generation: gen, walIndex: 0 } },
      }),
    );
    expect(out.pending).toMatchObject({ generation: gen, sinceMs: T0 });
  });

  it("degraded (200) on new sync errors or a nearly full disk", () => {
    const errs = decideStatus(
      base({
        lastSyncErrorCount: 0,
        metrics: {
          state: "ok",
          metrics: litestreamMetrics(
            parsePrometheus('litestream_txid{db="/d/data.db"} 12\nlitestream_sync_error_count{db="/d/data.db"} 2\n'),
          ),
        },
      }),
    );
    expect(errs).toMatchObject({ status: "degraded", httpStatus: 200, syncErrorCount: 2 });
    const disk = decideStatus(
      base({ local: { dbBytes: 1.9 * 1024 ** 3, walBytes: 0, walModMs: null, litestream: { layout: "v0.5", txid: 12 } } }),
    );
    expect(disk.body.reasons).toMatchObject([{ code: "disk_high", severity: "degraded" }]);
  });
});
