// The image itself (issue 16), run by `npm run test:image` (scripts/test-image.mjs builds
// deploy/Dockerfile first and sets PBOPS_IMAGE): containers on the host network against versitygw
// on loopback, configured by environment variables only, as .do/app.yaml does. Not part of
// `npm test` (vitest.config.ts excludes tests/image/; vitest.image.config.ts runs it).
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binPath } from "../../scripts/binaries.mjs";
import { BINARIES, POCKETBASE_NEWEST } from "../../scripts/versions.mjs";
import { S3Server, S3_KEYS, replicaUrl } from "../../toolkit/backup-stack";
import { createDrillCollection, insert, listSeqs, waitReplicaCaughtUp } from "../../toolkit/drill";
import { Writer, type Container } from "../../toolkit/deploy-drill";
import {
  DEPLOY_LITESTREAM,
  LITESTREAM_YML,
  entrypointEnv,
  litestreamBinary,
  parseJsonLines,
  runCommand,
  type JsonLine,
  type Site,
} from "../../toolkit/entrypoint";
import { freePort } from "../../toolkit/pocketbase";
import { pollUntil, readUntil, sleep } from "../../toolkit/wait";

const IMAGE = process.env.PBOPS_IMAGE;
const DOCKER = process.env.PBOPS_DOCKER ?? "/usr/bin/docker";
if (!IMAGE) throw new Error("PBOPS_IMAGE is not set: run these tests with `npm run test:image`, which builds the image first");

const FILES_BUCKET = "pbops-files";
const ADMIN = { email: "owner@example.com", password: "image-Only-superuser-4821" };
const OPS_TOKEN = "imageToken-3c8e1a7f5b9d2e4a6c0f8b1d3e5a7c9f";
const PREFIX = "image/data.db";
const tag = `pbops-img-${process.pid}`;
const names: string[] = [];
const volumes: string[] = [];

let s3: S3Server;
let metricsPort: number;
let scratch: string;

async function docker(args: string[], timeoutMs = 60_000, env: Record<string, string> = {}) {
  const res = await runCommand(DOCKER, args, { ...(process.env as Record<string, string>), ...env }, timeoutMs);
  return res;
}

async function dockerOk(args: string[], timeoutMs = 60_000, env: Record<string, string> = {}): Promise<string> {
  const res = await docker(args, timeoutMs, env);
  if (res.status !== 0) throw new Error(`docker ${args.join(" ")} failed (${res.status}): ${res.stdout}${res.stderr}`);
  return res.stdout.trim();
}

/** The container's environment: .do/app.yaml's variables with loopback values, nothing else. */
function appEnv(port: number): Record<string, string> {
  return {
    PORT: String(port),
    LITESTREAM_METRICS_ADDR: `127.0.0.1:${metricsPort}`,
    REPLICA_URL: replicaUrl(s3, PREFIX),
    LITESTREAM_ACCESS_KEY_ID: S3_KEYS.accessKey,
    LITESTREAM_SECRET_ACCESS_KEY: S3_KEYS.secretKey,
    POCKETBASE_ENCRYPTION_KEY: "0123456789abcdef0123456789abcdef",
    PB_OPS_TOKEN: OPS_TOKEN,
    PB_BACKUP_CACHE_TTL: "0s",
    PB_TRUSTED_PROXY_HEADERS: "do-connecting-ip",
    PB_S3_ENDPOINT: s3.url,
    PB_S3_BUCKET: FILES_BUCKET,
    PB_S3_ACCESS_KEY: S3_KEYS.accessKey,
    PB_S3_SECRET_KEY: S3_KEYS.secretKey,
    PB_S3_FORCE_PATH_STYLE: "true",
    PB_SUPERUSER_EMAIL: ADMIN.email,
    PB_SUPERUSER_PASSWORD: ADMIN.password,
    PB_LEASE_HEARTBEAT: "1s",
    PB_LEASE_TTL: "5s",
  };
}

interface Box {
  name: string;
  volume: string;
  port: number;
  url: string;
  startedAt: number;
}

/** docker run -d on the host network; values go through the client's environment (`-e NAME`), so
 * no secret is on a command line. */
async function runContainer(
  suffix: string,
  env: Record<string, string>,
  volume = `${tag}-${suffix}`,
  runArgs: string[] = [],
): Promise<Box> {
  const name = `${tag}-${suffix}`;
  names.push(name);
  if (!volumes.includes(volume)) volumes.push(volume);
  const port = Number(env.PORT);
  const startedAt = Date.now();
  await dockerOk(
    [
      "run",
      "-d",
      "--name",
      name,
      "--network",
      "host",
      "-v",
      `${volume}:/app/pb_data`,
      ...runArgs,
      ...Object.keys(env).flatMap((k) => ["-e", k]),
      IMAGE!,
    ],
    60_000,
    env,
  );
  return { name, volume, port, url: `http://127.0.0.1:${port}`, startedAt };
}

async function waitHealthy(box: Box, timeoutMs = 120_000): Promise<number> {
  let state = "";
  const healthy = await pollUntil(
    async () => {
      try {
        if ((await fetch(`${box.url}/api/ops/health`)).status === 200) return true;
      } catch {
        // not listening yet
      }
      state = await dockerOk(["inspect", "--format", "{{.State.Status}}", box.name]);
      if (state !== "running") throw new Error(`${box.name} not healthy (${state}):\n${(await logs(box.name)).stdout.slice(-6000)}`);
      return false;
    },
    timeoutMs,
    100,
  );
  if (!healthy) throw new Error(`${box.name} not healthy (${state}):\n${(await logs(box.name)).stdout.slice(-6000)}`);
  return Date.now() - box.startedAt;
}

/** The container's stdout and stderr, as docker keeps them apart. */
async function logs(name: string): Promise<{ stdout: string; stderr: string }> {
  const res = await docker(["logs", name]);
  return { stdout: res.stdout, stderr: res.stderr };
}

async function jsonStream(name: string): Promise<JsonLine[]> {
  const { stdout, stderr } = await logs(name);
  expect(stderr, `${name} wrote to stderr`).toBe("");
  // No secret from the environment reaches the log drain.
  for (const secret of [S3_KEYS.secretKey, ADMIN.password, OPS_TOKEN]) expect(stdout).not.toContain(secret);
  return parseJsonLines(stdout);
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/collections/_superusers/auth-with-password`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ identity: ADMIN.email, password: ADMIN.password }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

async function backupReport(url: string): Promise<any> {
  return (await fetch(`${url}/api/ops/backup-status`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })).json();
}

/** A Site for the host-side helpers that read the replica (`litestream ltx`) and the metrics. */
function replicaSite(): Site {
  return { dataDir: join(scratch, "pb_data"), hooksDir: scratch, port: 0, metricsPort, url: "" };
}

const sha256 = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "pbops-image-"));
  s3 = new S3Server();
  mkdirSync(join(s3.dir, "data", FILES_BUCKET), { recursive: true });
  await s3.start();
  metricsPort = await freePort();
}, 60_000);

afterAll(async () => {
  for (const n of names) await docker(["rm", "-f", n]);
  for (const v of volumes) await docker(["volume", "rm", "-f", v]);
  await s3?.destroy();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe(`the image (${IMAGE})`, () => {
  it("ships exactly the PocketBase and Litestream binaries the test suite runs", async () => {
    const name = `${tag}-files`;
    names.push(name);
    await dockerOk(["create", "--name", name, IMAGE!]);
    for (const [inImage, tested] of [
      ["/usr/local/bin/litestream", binPath(BINARIES.litestream(DEPLOY_LITESTREAM).name)],
      ["/usr/local/bin/pocketbase", binPath(BINARIES.pocketbase(POCKETBASE_NEWEST).name)],
    ] as const) {
      const out = join(scratch, inImage.split("/").pop()!);
      await dockerOk(["cp", `${name}:${inImage}`, out]);
      // Same module versions, build settings and Go toolchain: `go version -m` lists them all.
      const info = async (p: string) =>
        (await runCommand("go", ["version", "-m", p], process.env as Record<string, string>)).stdout.replace(/^[^\n]*: /, "");
      expect(await info(out), inImage).toBe(await info(tested));
      // With -trimpath and the same toolchain the build is reproducible: the same bytes.
      expect(sha256(out), `${inImage} = ${tested}`).toBe(sha256(tested));
    }
  }, 60_000);

  it("a bad setting stops the container with one JSON FATAL line on stdout", async () => {
    const name = `${tag}-fatal`;
    names.push(name);
    const res = await docker(["run", "--name", name, "--network", "host", "-e", "REPLICA_URL", IMAGE!], 60_000, {
      REPLICA_URL: "gs://bucket/db",
    });
    expect(res.status).toBe(1);
    const lines = await jsonStream(name);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "ERROR",
      source: "entrypoint",
      msg: expect.stringMatching(/^FATAL: REPLICA_URL must start with s3:\/\//),
    });
  }, 60_000);

  describe("from env only: run, kill -9, lose the volume, restore; then a rolling deploy", () => {
    const rows = 25;
    const content = `pb-ops image ${Date.now()}\n`.repeat(40);
    let a: Box;
    let file = { id: "", doc: "" };

    it("A starts on an empty replica as uid 10001; health answers and the HEALTHCHECK command passes", async () => {
      // 1 GiB, as the kit's instance (apps-s-1vcpu-1gb): the entrypoint gives Go 3/4 of it.
      a = await runContainer("a", appEnv(await freePort()), undefined, ["--memory", "1g"]);
      const healthyMs = await waitHealthy(a);
      console.log(`[image] A healthy ${healthyMs}ms after docker run (empty replica)`);
      expect(await dockerOk(["exec", a.name, "id", "-u"])).toBe("10001");
      // Every process in the container, tini included.
      const uids = (
        await dockerOk([
          "exec",
          a.name,
          "sh",
          "-c",
          "for s in /proc/[0-9]*/status; do sed -n 's/^Uid:[[:space:]]*\\([0-9]*\\).*/\\1/p' $s 2>/dev/null; done",
        ])
      ).split("\n");
      expect(uids.length).toBeGreaterThan(4);
      expect(new Set(uids)).toEqual(new Set(["10001"]));
      // GOMEMLIMIT from the container's memory limit, in PocketBase's own environment.
      const serveEnv = await dockerOk([
        "exec",
        a.name,
        "sh",
        "-c",
        "for p in /proc/[0-9]*; do case $(tr '\\0' ' ' < $p/cmdline 2>/dev/null) in *pocketbase\\ serve*) tr '\\0' '\\n' < $p/environ; break ;; esac; done",
      ]);
      expect(serveEnv.split("\n")).toContain("GOMEMLIMIT=768MiB");
      expect((await logs(a.name)).stdout).toMatch(/"msg":"GOMEMLIMIT=768MiB: 3\/4 of this container's memory limit \(1024 MiB\)/);
      // Docker runs the image's HEALTHCHECK command itself; run the same one now (interval 30s).
      const hc = JSON.parse(await dockerOk(["inspect", "--format", "{{json .Config.Healthcheck.Test}}", a.name])) as string[];
      expect(hc[0]).toBe("CMD-SHELL");
      expect((await docker(["exec", a.name, "/bin/sh", "-c", hc[1]!])).status).toBe(0);
      // Control: the same command against a port nothing listens on fails.
      expect((await docker(["exec", "-e", "PORT=1", a.name, "/bin/sh", "-c", hc[1]!])).status).not.toBe(0);
    }, 180_000);

    it("the env superuser logs in; PocketBase holds the trusted proxy and S3 settings; writes and an uploaded file (on versitygw) are replicated; backup-status is ok", async () => {
      const token = await login(a.url);
      // Written from the environment at start: nothing was clicked in the dashboard.
      const settings = (await (await fetch(`${a.url}/api/settings`, { headers: { authorization: token } })).json()) as any;
      expect(settings.trustedProxy).toEqual({ headers: ["do-connecting-ip"], useLeftmostIP: false });
      expect(settings.s3).toMatchObject({
        enabled: true,
        endpoint: s3.url,
        bucket: FILES_BUCKET,
        accessKey: S3_KEYS.accessKey,
        forcePathStyle: true,
      });
      await createDrillCollection(a.url, token);
      for (let i = 1; i <= rows; i++) await insert(a.url, token, i, `row ${i}`);
      const coll = await fetch(`${a.url}/api/collections`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: token },
        body: JSON.stringify({
          name: "docs",
          type: "base",
          fields: [{ name: "doc", type: "file", maxSelect: 1, maxSize: 1_000_000 }],
          createRule: "",
          viewRule: "",
        }),
      });
      expect(coll.status).toBe(200);
      const form = new FormData();
      form.set("doc", new Blob([content], { type: "text/plain" }), "hello.txt");
      const created = await fetch(`${a.url}/api/collections/docs/records`, { method: "POST", body: form });
      expect(created.status).toBe(200);
      file = (await created.json()) as { id: string; doc: string };
      const stored = readdirSync(join(s3.dir, "data", FILES_BUCKET), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(`${file.id}/${file.doc}`));
      expect(stored).toHaveLength(1);
      await waitReplicaCaughtUp(replicaSite(), entrypointEnv(replicaSite(), { url: replicaUrl(s3, PREFIX) }), 30_000);
      const { value: body } = await readUntil(
        () => backupReport(a.url),
        (b: any) => b.status === "ok",
        { withinMs: 20_000, everyMs: 500, what: "backup-status ok" },
      );
      expect(body, JSON.stringify(body)).toMatchObject({
        status: "ok",
        reasons: [],
        litestream: { state: "up" },
        files: { storage: "s3", localFiles: false },
      });
    }, 120_000);

    let b: Box;
    it("after docker kill and a deleted volume, a new container restores every row and the file", async () => {
      await dockerOk(["kill", a.name]);
      const killedLogs = await jsonStream(a.name);
      await dockerOk(["rm", a.name]);
      await dockerOk(["volume", "rm", a.volume]);
      expect(existsSync(join(s3.dir, "data"))).toBe(true);
      // A's stream: all JSON, from all three sources, the banner included.
      const sources = new Set(killedLogs.map((l) => l.source ?? "pb-ops"));
      expect([...sources].sort()).toEqual(["entrypoint", "litestream", "pb-ops", "pocketbase"]);
      expect(killedLogs.some((l) => l.source === "pocketbase" && /^Server started at /.test(l.msg))).toBe(true);
      expect(killedLogs.map((l) => l.msg).join("\n")).not.toMatch(/pbinstall/);

      b = await runContainer("b", appEnv(await freePort()));
      const healthyMs = await waitHealthy(b);
      const token = await login(b.url);
      const seqs = await listSeqs(b.url, token);
      expect(seqs.size).toBe(rows);
      const down = await fetch(`${b.url}/api/files/docs/${file.id}/${file.doc}`);
      expect(down.status).toBe(200);
      expect(await down.text()).toBe(content);
      const lines = await jsonStream(b.name);
      const restored = lines.find((l) => l.source === "entrypoint" && /^restored /.test(l.msg));
      expect(restored, lines.map((l) => l.msg).join("\n")).toBeDefined();
      console.log(`[image] B healthy ${healthyMs}ms after docker run, after a lease TTL wait and: ${restored!.msg}`);
    }, 180_000);

    it("rolling deploy under load: C claims the lease, B fences and hands over, docker stop exits 0; no acknowledged write is lost", async () => {
      const token = await login(b.url);
      // A client writing every 25 ms round-robin to the containers in rotation, as the load
      // balancer would (toolkit/deploy-drill.ts); seqs start above the rows written before.
      const writer = new Writer(token, 25);
      (writer as unknown as { seq: number }).seq = 1000;
      const asContainer = (box: Box) => ({ name: box.name, site: { url: box.url } }) as unknown as Container;
      writer.rotation = [asContainer(b)];
      writer.start();
      // The sleeps below are load phases (the writer running on each set of containers), as in
      // toolkit/deploy-drill.ts: wall-clock time, not waits for a condition.
      await sleep(1000);
      const c = await runContainer("c", appEnv(await freePort()));
      const healthyMs = await waitHealthy(c);
      writer.rotation = [asContainer(b), asContainer(c)];
      await sleep(1500);
      writer.rotation = [asContainer(c)];
      const stop = Date.now();
      await dockerOk(["stop", "-t", "30", b.name], 60_000);
      const stopMs = Date.now() - stop;
      await sleep(1500);
      await writer.stop();
      expect(await dockerOk(["inspect", "--format", "{{.State.ExitCode}}", b.name])).toBe("0");
      expect(
        writer.acks.some((x) => x.by === b.name) && writer.acks.some((x) => x.by === c.name),
        "both containers acknowledged writes",
      ).toBe(true);
      expect(writer.refused, "B's fence answered 503 during the handoff").toBeGreaterThan(0);
      const onC = await listSeqs(c.url, await login(c.url));
      expect(writer.acks.filter((x) => !onC.has(x.seq)).map((x) => `${x.seq}@${x.by}`)).toEqual([]);
      for (let i = 1; i <= rows; i++) expect(onC.has(i)).toBe(true);
      const bLines = await jsonStream(b.name);
      expect(bLines.map((l) => l.msg).join("\n")).toMatch(/handed over: serving reads only until stopped/);
      expect((await jsonStream(c.name)).map((l) => l.msg).join("\n")).toMatch(/restored /);
      console.log(
        `[image] deploy under load: C healthy ${healthyMs}ms after docker run; ${writer.acks.length} acknowledged, ${writer.refused} refused (503), longest pause ${writer.maxPause(stop - 3000, Date.now())}ms; docker stop of B took ${stopMs}ms`,
      );

      // C stops cleanly too, and what it shipped restores intact with every acknowledged write.
      await waitReplicaCaughtUp(replicaSite(), entrypointEnv(replicaSite(), { url: replicaUrl(s3, PREFIX) }), 30_000);
      await dockerOk(["stop", "-t", "30", c.name], 60_000);
      expect(await dockerOk(["inspect", "--format", "{{.State.ExitCode}}", c.name])).toBe("0");
      await jsonStream(c.name);
      const out = join(scratch, "final", "data.db");
      const env = entrypointEnv(replicaSite(), { url: replicaUrl(s3, PREFIX) });
      const restore = await runCommand(
        litestreamBinary(),
        ["restore", "-config", LITESTREAM_YML, "-o", out, join(replicaSite().dataDir, "data.db")],
        env,
        60_000,
      );
      expect(restore.status, restore.stderr).toBe(0);
      const q = async (sql: string) => (await runCommand("sqlite3", [out, sql], {})).stdout.trim();
      expect(await q("PRAGMA integrity_check;")).toBe("ok");
      const restored = new Set((await q("SELECT seq FROM drill;")).split("\n").map(Number));
      expect(writer.acks.filter((x) => !restored.has(x.seq)).map((x) => x.seq)).toEqual([]);
    }, 180_000);
  });
});
