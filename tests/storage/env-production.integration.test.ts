// Production from env alone, on both PocketBase versions, with no dashboard clicks and no
// `superuser upsert`: PB_TRUSTED_PROXY_HEADERS, PB_S3_* (partly spelt as the guide's S3_* aliases)
// and PB_SUPERUSER_* are written into PocketBase at serve time. Shows: the trusted-proxy setting is
// stored and e.realIP() uses it; an uploaded file lands in versitygw and downloads back through
// PocketBase; the env superuser logs in and no installer link is printed; a restart on the same
// data writes nothing; backup-status is ok with Litestream's metrics found from
// LITESTREAM_METRICS_ADDR on a non-default port. A second instance, files on the local disk and no
// trusted proxy, shows backup-status `degraded` (files_local) and one warning line for many
// requests that carry proxy headers PocketBase does not trust.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Litestream, LITESTREAM_VERSIONS, S3_KEYS, S3Server, replicaEnv, replicaUrl } from "../../toolkit/backup-stack";
import { fetchJson } from "../../toolkit/http";
import { parseStdout } from "../harness/logs";
import { POCKETBASE_VERSIONS, freePort, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { readUntil, sleep, waitFor } from "../../toolkit/wait";

const FILES_BUCKET = "pbops-files";
const ADMIN = { email: "owner@example.com", password: "env-Only-superuser-7351" };
const OPS_TOKEN = "envprodToken-5d1c9e7a3b2f4a6c8e0b1d3f5a7c9e2b";
const LS_V05 = LITESTREAM_VERSIONS.find((v: string) => v.startsWith("v0.5."))!;
const REAL_IP_ROUTE = {
  "zz_realip.pb.js": `routerAdd("GET", "/test/realip", (e) => e.json(200, { realIP: e.realIP(), remoteIP: e.remoteIP() }));`,
};

async function login(pb: RunningPocketBase, email: string, password: string) {
  return fetchJson(`${pb.url}/api/collections/_superusers/auth-with-password`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ identity: email, password }),
  });
}

async function createFilesCollection(pb: RunningPocketBase, token: string): Promise<string> {
  const res = await fetchJson(`${pb.url}/api/collections`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: token },
    body: JSON.stringify({
      name: "docs",
      type: "base",
      fields: [
        { name: "title", type: "text" },
        { name: "doc", type: "file", maxSelect: 1, maxSize: 1_000_000 },
      ],
      createRule: "",
      viewRule: "",
    }),
  });
  if (res.status !== 200) throw new Error(`collection: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function backupReport(pb: RunningPocketBase) {
  return (await fetchJson(`${pb.url}/api/ops/backup-status`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })).body;
}

async function reportUntil(pb: RunningPocketBase, pred: (b: any) => boolean, what: string, withinMs = 20_000) {
  return (await readUntil(() => backupReport(pb), pred, { withinMs, everyMs: 300, what })).value;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? (d as any).path, d.name));
}

describe.each(POCKETBASE_VERSIONS)("PocketBase %s from env only", (version: string) => {
  let s3: S3Server;
  let pb: RunningPocketBase;
  let ls: Litestream;
  let dataDir: string;
  let metricsPort: number;
  let env: Record<string, string>;
  // As the kit starts PocketBase: env only, no superuser upsert, settings encrypted.
  const startAsKit = (dir: string) =>
    startPocketBase({
      version,
      dataDir: dir,
      superuser: false,
      env,
      extraHooks: REAL_IP_ROUTE,
      serveArgs: ["--automigrate=false", "--encryptionEnv", "POCKETBASE_ENCRYPTION_KEY"],
    });

  beforeAll(async () => {
    s3 = new S3Server();
    mkdirSync(join(s3.dir, "data", FILES_BUCKET), { recursive: true });
    await s3.start();
    metricsPort = await freePort();
    const url = replicaUrl(s3, "envonly");
    dataDir = mkdtempSync(join(tmpdir(), "pbops-envprod-"));
    env = {
      ...replicaEnv(url),
      LITESTREAM_METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      PB_OPS_TOKEN: OPS_TOKEN,
      PB_BACKUP_CACHE_TTL: "0s",
      PB_TRUSTED_PROXY_HEADERS: "do-connecting-ip",
      PB_S3_ENDPOINT: s3.url,
      S3_BUCKET: FILES_BUCKET,
      S3_ACCESS_KEY: S3_KEYS.accessKey,
      PB_S3_SECRET_KEY: S3_KEYS.secretKey,
      PB_S3_FORCE_PATH_STYLE: "true",
      PB_SUPERUSER_EMAIL: ADMIN.email,
      PB_SUPERUSER_PASSWORD: ADMIN.password,
      // As the kit runs it: settings (the S3 secret among them) stored encrypted.
      POCKETBASE_ENCRYPTION_KEY: "0123456789abcdef0123456789abcdef",
      // .do/app.yaml lists the PB_ spelling as none; the guide's S3_BUCKET above is the one meant.
      PB_S3_BUCKET: "none",
    };
    pb = await startAsKit(join(dataDir, "pb_data"));
    ls = new Litestream({ version: LS_V05, dbPath: join(pb.dataDir, "data.db"), replicaUrl: url, metricsPort });
    await ls.start();
  }, 120_000);

  afterAll(async () => {
    await ls?.stop();
    await pb?.stop();
    await s3?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the env superuser logs in; no installer link is printed", async () => {
    const res = await login(pb, ADMIN.email, ADMIN.password);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.record.email).toBe(ADMIN.email);
    expect((await login(pb, ADMIN.email, ADMIN.password + "x")).status).toBe(400);
    expect(pb.stdout() + pb.stderr()).not.toMatch(/pbinstall/);
    const events = parseStdout(pb.stdout()).records.map((r) => r.msg);
    expect(events).toContain("superuser from PB_SUPERUSER_EMAIL created");
    expect(pb.stdout() + pb.stderr()).not.toContain(ADMIN.password);
  });

  it("PocketBase's settings hold the trusted proxy header and the S3 file storage (secret not echoed)", async () => {
    const token = (await login(pb, ADMIN.email, ADMIN.password)).body.token;
    const s = (await fetchJson(`${pb.url}/api/settings`, { headers: { authorization: token } })).body;
    expect(s.trustedProxy).toEqual({ headers: ["do-connecting-ip"], useLeftmostIP: false });
    expect(s.s3).toMatchObject({
      enabled: true,
      endpoint: s3.url,
      bucket: FILES_BUCKET,
      region: "us-east-1",
      accessKey: S3_KEYS.accessKey,
      forcePathStyle: true,
    });
    expect(JSON.stringify(s)).not.toContain(S3_KEYS.secretKey);
    expect(pb.stdout() + pb.stderr()).not.toContain(S3_KEYS.secretKey);
    // Stored encrypted with POCKETBASE_ENCRYPTION_KEY: the secret is in neither data.db nor its WAL.
    for (const f of ["data.db", "data.db-wal"]) {
      const p = join(pb.dataDir, f);
      if (existsSync(p)) expect(readFileSync(p).includes(S3_KEYS.secretKey), f).toBe(false);
    }
  });

  it("e.realIP() and the access log use do-connecting-ip, not the socket or X-Forwarded-For", async () => {
    const res = await fetchJson(`${pb.url}/test/realip`, {
      headers: { "do-connecting-ip": "203.0.113.9", "x-forwarded-for": "198.51.100.1, 10.0.0.1" },
    });
    expect(res.body).toEqual({ realIP: "203.0.113.9", remoteIP: "127.0.0.1" });
    const plain = await fetchJson(`${pb.url}/test/realip`);
    expect(plain.body.realIP).toBe("127.0.0.1");
    await waitFor(
      () => parseStdout(pb.stdout()).records.some((r) => r.msg === "request" && r.path === "/test/realip" && r.ip === "203.0.113.9"),
      5000,
      "access line with the proxied IP",
    );
    // A trusted header on the request: no untrusted-proxy warning.
    expect(parseStdout(pb.stdout()).records.filter((r) => /proxy PocketBase does not trust/.test(r.msg))).toEqual([]);
  });

  it("an uploaded file lands in versitygw, not on the local disk, and downloads back through PocketBase", async () => {
    const token = (await login(pb, ADMIN.email, ADMIN.password)).body.token;
    const collectionId = await createFilesCollection(pb, token);
    const content = `pb-ops env-only ${version} ${Date.now()}\n`.repeat(50);
    const form = new FormData();
    form.set("title", "hello");
    form.set("doc", new Blob([content], { type: "text/plain" }), "hello.txt");
    const created = await fetchJson(`${pb.url}/api/collections/docs/records`, { method: "POST", body: form });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const { id, doc } = created.body as { id: string; doc: string };
    expect(doc).toMatch(/^hello_\w+\.txt$/);

    const stored = filesUnder(join(s3.dir, "data", FILES_BUCKET)).filter((f) => f.endsWith(`${collectionId}/${id}/${doc}`));
    expect(stored).toHaveLength(1);
    expect(readFileSync(stored[0]!, "utf8")).toBe(content);
    expect(filesUnder(join(pb.dataDir, "storage")).filter((f) => f.includes(id))).toEqual([]);

    const down = await fetch(`${pb.url}/api/files/docs/${id}/${doc}`);
    expect(down.status).toBe(200);
    expect(await down.text()).toBe(content);
  });

  it("backup-status is ok: files on S3, Litestream found through LITESTREAM_METRICS_ADDR on a non-default port", async () => {
    const body = await reportUntil(pb, (b) => b.status === "ok", "status ok");
    expect(body.litestream.state).toBe("up");
    expect(body.files).toEqual({ storage: "s3", localFiles: false });
    expect(body.reasons).toEqual([]);
  });

  it("a restart on the same data writes nothing: settings and superuser already as the env says", async () => {
    const before = (await login(pb, ADMIN.email, ADMIN.password)).body.record;
    await ls.stop();
    const dir = pb.dataDir;
    await pb.stop();
    pb = await startAsKit(dir);
    await ls.start();
    const msgs = parseStdout(pb.stdout()).records.map((r) => r.msg);
    expect(msgs).toContain("trusted proxy headers already as PB_TRUSTED_PROXY_HEADERS says");
    expect(msgs).toContain("file storage already on S3 as PB_S3_* says");
    expect(msgs).toContain("superuser from PB_SUPERUSER_EMAIL unchanged");
    const after = (await login(pb, ADMIN.email, ADMIN.password)).body.record;
    expect(after.updated).toBe(before.updated);
  });

  it("a restart with changed values updates them: another proxy header, left-most IP, a new password", async () => {
    await ls.stop();
    const dir = pb.dataDir;
    await pb.stop();
    const newPassword = "rotated-Superuser-pass-2468";
    env = { ...env, PB_TRUSTED_PROXY_HEADERS: "X-Forwarded-For", PB_TRUSTED_PROXY_LEFTMOST_IP: "true", PB_SUPERUSER_PASSWORD: newPassword };
    pb = await startAsKit(dir);
    await ls.start();
    const msgs = parseStdout(pb.stdout()).records.map((r) => r.msg);
    expect(msgs).toContain("trusted proxy headers set from PB_TRUSTED_PROXY_HEADERS");
    expect(msgs).toContain("superuser from PB_SUPERUSER_EMAIL password updated");
    expect(msgs).toContain("file storage already on S3 as PB_S3_* says");
    expect((await login(pb, ADMIN.email, ADMIN.password)).status).toBe(400);
    const res = await login(pb, ADMIN.email, newPassword);
    expect(res.status).toBe(200);
    const s = (await fetchJson(`${pb.url}/api/settings`, { headers: { authorization: res.body.token } })).body;
    expect(s.trustedProxy).toEqual({ headers: ["x-forwarded-for"], useLeftmostIP: true });
    const ip = await fetchJson(`${pb.url}/test/realip`, {
      headers: { "x-forwarded-for": "198.51.100.7, 10.0.0.1", "do-connecting-ip": "203.0.113.9" },
    });
    expect(ip.body.realIP).toBe("198.51.100.7");
    expect(pb.stdout() + pb.stderr()).not.toContain(newPassword);
  });
});

describe.each(POCKETBASE_VERSIONS)("PocketBase %s with files on the local disk and no trusted proxy", (version: string) => {
  let s3: S3Server;
  let pb: RunningPocketBase;
  let ls: Litestream;
  let dataDir: string;

  beforeAll(async () => {
    s3 = new S3Server();
    await s3.start();
    const metricsPort = await freePort();
    const url = replicaUrl(s3, "localfiles");
    dataDir = mkdtempSync(join(tmpdir(), "pbops-envprod-"));
    pb = await startPocketBase({
      version,
      dataDir: join(dataDir, "pb_data"),
      serveArgs: ["--automigrate=false"],
      env: { ...replicaEnv(url), LITESTREAM_METRICS_ADDR: `127.0.0.1:${metricsPort}`, PB_OPS_TOKEN: OPS_TOKEN, PB_BACKUP_CACHE_TTL: "0s" },
    });
    ls = new Litestream({ version: LS_V05, dbPath: join(pb.dataDir, "data.db"), replicaUrl: url, metricsPort });
    await ls.start();
  }, 120_000);

  afterAll(async () => {
    await ls?.stop();
    await pb?.stop();
    await s3?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("backup-status: ok before any upload, degraded (files_local) and nothing else once a file sits on the local disk", async () => {
    const ok = await reportUntil(pb, (b) => b.status === "ok", "status ok");
    expect(ok.files).toEqual({ storage: "local", localFiles: false });
    await createFilesCollection(pb, await pb.superuserToken());
    const form = new FormData();
    form.set("doc", new Blob(["local bytes"], { type: "text/plain" }), "local.txt");
    const created = await fetchJson(`${pb.url}/api/collections/docs/records`, { method: "POST", body: form });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(filesUnder(join(pb.dataDir, "storage")).some((f) => f.endsWith(created.body.doc))).toBe(true);
    const body = await reportUntil(
      pb,
      (b) => b.status === "degraded" && b.litestream.state === "up" && b.remote.state === "ok",
      "status degraded",
    );
    expect(body.reasons.map((r: any) => [r.code, r.severity])).toEqual([["files_local", "degraded"]]);
    expect(body.reasons[0].message).toMatch(/PB_S3_/);
    expect(body.files).toEqual({ storage: "local", localFiles: true });
  });

  it("requests through an untrusted proxy: one warning line for many requests, naming the header", async () => {
    const warnings = () => parseStdout(pb.stdout()).records.filter((r) => /proxy PocketBase does not trust/.test(r.msg));
    // Requests without proxy headers are never warned about.
    for (let i = 0; i < 5; i++) await fetch(`${pb.url}/api/health`);
    expect(warnings()).toEqual([]);
    // Each VM looks at most once a second while it sees no proxy header: wait that out, then many
    // proxied requests (several VMs may serve them) give one line across VMs.
    await sleep(1100);
    for (let i = 0; i < 40; i++)
      await fetch(`${pb.url}/api/health`, { headers: { "do-connecting-ip": "203.0.113.20", "x-forwarded-for": "203.0.113.20" } });
    await waitFor(() => warnings().length > 0, 5000, "warning line");
    await sleep(300); // time for a second line from another VM to show, if one were written
    const w = warnings();
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ level: "WARN", proxyHeaders: ["do-connecting-ip", "x-forwarded-for"], trusted: [], ip: "127.0.0.1" });
    expect(w[0]!.hint).toContain("PB_TRUSTED_PROXY_HEADERS=do-connecting-ip");
  });
});
