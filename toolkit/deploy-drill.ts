// Rolling deploys, crash and split drills for the deploy lease (issue 14), shared by
// tests/deploy-lease.integration.test.ts and `npm run drill -- --deploy`. Everything is real and on
// loopback: deploy/entrypoint.sh with the pinned PocketBase and Litestream, versitygw.
//
// The client behaves like App Platform's load balancer: it writes every `intervalMs`, round-robin
// to every container in rotation, and records each write that got a 200 (an acknowledged write). A
// container joins the rotation when its health answers 200 and leaves it when it is stopped. At
// the end every container is stopped and the replica is restored with `litestream restore` (what
// the next container's entrypoint runs) into a scratch file checked with the sqlite3 CLI.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Server, replicaUrl } from "./backup-stack";
import { createDrillCollection, waitReplicaCaughtUp } from "./drill";
import { S3RecordingProxy, type Recorded } from "./s3-proxy";
import {
  EntrypointRun,
  LITESTREAM_YML,
  entrypointEnv,
  litestreamBinary,
  newSite,
  removeSite,
  runCommand,
  superuserToken,
  upsertSuperuser,
  type Site,
} from "./entrypoint";
import { SUPERUSER } from "./pocketbase";
import { pollUntil, readUntil, sleep, waitFor } from "./wait";

export interface Container {
  name: string;
  site: Site;
  env: Record<string, string>;
  run: EntrypointRun;
}

export interface Ack {
  seq: number;
  at: number;
  by: string;
}

export interface DeployDrillResult {
  acked: Ack[];
  /** Acknowledged writes missing from the final restore. */
  lost: Ack[];
  /** Rows in the final restore, and rows whose seq appears more than once. */
  restoredRows: number;
  duplicates: number;
  integrity: string;
  /** Longest time with no acknowledged write while deploying (ms). */
  maxPauseMs: number;
  /** Per deploy: new container started -> healthy (ms). */
  deployMs: number[];
  /** 503 answers seen by the client (fenced or standby), and failed connections. */
  refused: number;
  firstRefusal: Writer["firstRefusal"];
  outputs: Record<string, string>;
  /** With `proxy`: every S3 request the containers sent. */
  requests: Recorded[];
}

export interface DrillOptions {
  lease: boolean;
  deploys: number;
  /** Client write interval. */
  intervalMs?: number;
  /** How long the old and the new container both serve before the old one gets SIGTERM. */
  overlapMs?: number;
  extraEnv?: Record<string, string>;
  log?: (m: string) => void;
  /** Route S3 through a recording proxy (the result's `requests`). */
  proxy?: boolean;
}

export class DeployStack {
  readonly s3 = new S3Server();
  readonly containers: Container[] = [];
  url = "";
  scratch = mkdtempSync(join(tmpdir(), "pbops-deploy-"));

  /** With `proxy`: every container talks to S3 through a recording pass-through (toolkit/s3-proxy.ts). */
  proxy: S3RecordingProxy | undefined;

  constructor(
    readonly prefix: string,
    readonly extraEnv: Record<string, string> = {},
    readonly opts: { proxy?: boolean; ignoreConditional?: boolean } = {},
  ) {}

  async start(): Promise<void> {
    await this.s3.start();
    this.url = replicaUrl(this.s3, this.prefix);
    if (this.opts.proxy) {
      this.proxy = new S3RecordingProxy(this.s3.port, { ignoreConditional: this.opts.ignoreConditional });
      await this.proxy.start();
      this.url = this.url.replace(`127.0.0.1:${this.s3.port}`, `127.0.0.1:${this.proxy.port}`);
    }
  }

  async launch(name: string, extra: Record<string, string> = {}): Promise<Container> {
    const site = await newSite();
    const env = entrypointEnv(site, { url: this.url }, { LITESTREAM_SYNC_INTERVAL: "1s", ...this.extraEnv, ...extra });
    const c = { name, site, env, run: new EntrypointRun(env) };
    this.containers.push(c);
    return c;
  }

  /** The final restore: what a new container's entrypoint would restore, checked by sqlite3. */
  async restoreAndInspect(): Promise<{ seqs: number[]; duplicates: number; integrity: string }> {
    const out = join(this.scratch, `final-${Date.now()}`, "data.db");
    const any = this.containers[0]!;
    const res = await runCommand(
      litestreamBinary(),
      ["restore", "-config", LITESTREAM_YML, "-o", out, join(any.site.dataDir, "data.db")],
      any.env,
      60_000,
    );
    if (res.status !== 0) throw new Error(`final restore failed: ${res.stdout}${res.stderr}`);
    const q = async (sql: string) => {
      const r = await runCommand("sqlite3", [out, sql], {});
      if (r.status !== 0) throw new Error(`sqlite3 ${sql}: ${r.stderr}`);
      return r.stdout.trim();
    };
    const integrity = await q("PRAGMA integrity_check;");
    const seqs = (await q("SELECT seq FROM drill ORDER BY seq;")).split("\n").filter(Boolean).map(Number);
    const duplicates = Number(await q("SELECT count(*) - count(DISTINCT seq) FROM drill;"));
    return { seqs, duplicates, integrity };
  }

  async destroy(): Promise<void> {
    for (const c of this.containers) await c.run.cleanup();
    await this.proxy?.stop();
    await this.s3.destroy();
    for (const c of this.containers) removeSite(c.site);
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** The load balancer + client: writes round-robin to the containers in `rotation`. */
export class Writer {
  readonly acks: Ack[] = [];
  refused = 0;
  /** The first 503 the client got: status, Retry-After and body. */
  firstRefusal: { status: number; retryAfter: string | null; body: string; by: string } | null = null;
  private seq = 0;
  private stopped = false;
  private done: Promise<void> | undefined;
  rotation: Container[] = [];

  constructor(
    private readonly token: string,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.done = (async () => {
      let i = 0;
      while (!this.stopped) {
        const live = this.rotation;
        if (live.length) {
          const c = live[i++ % live.length]!;
          const seq = ++this.seq;
          try {
            const res = await fetch(`${c.site.url}/api/collections/drill/records`, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: this.token },
              body: JSON.stringify({ seq, payload: `w${seq}` }),
              signal: AbortSignal.timeout(5000),
            });
            const text = await res.text();
            if (res.status === 200) this.acks.push({ seq, at: Date.now(), by: c.name });
            else {
              this.refused++;
              if (res.status === 503 && !this.firstRefusal)
                this.firstRefusal = { status: res.status, retryAfter: res.headers.get("retry-after"), body: text, by: c.name };
            }
          } catch {
            this.refused++;
          }
        }
        await sleep(this.intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  /** Longest gap between acknowledged writes in [from, to]. */
  maxPause(from: number, to: number): number {
    const times = [from, ...this.acks.map((a) => a.at).filter((t) => t >= from && t <= to), to].sort((a, b) => a - b);
    let max = 0;
    for (let k = 1; k < times.length; k++) max = Math.max(max, times[k]! - times[k - 1]!);
    return max;
  }
}

/** A first container, a superuser, the drill collection, all replicated. */
export async function firstContainer(stack: DeployStack, name = "A"): Promise<{ c: Container; token: string }> {
  const c = await stack.launch(name);
  await c.run.waitHealthy(c.site.url);
  // With the container's own PocketBase binary (a newer one would migrate an older data dir).
  const up = await runCommand(
    c.env.POCKETBASE_BIN!,
    ["superuser", "upsert", SUPERUSER.email, SUPERUSER.password, "--dir", c.site.dataDir, "--hooksDir", c.site.hooksDir],
    c.env,
  );
  if (up.status !== 0) throw new Error(`superuser upsert: ${up.stdout}${up.stderr}`);
  const token = await superuserToken(c.site.url);
  await createDrillCollection(c.site.url, token);
  await waitReplicaCaughtUp(c.site, c.env, 20_000);
  return { c, token };
}

/**
 * Rolling deploys: A under load; B starts on the same REPLICA_URL; B joins the rotation when
 * healthy; after `overlapMs` A gets SIGTERM and leaves; repeat. Then every container is stopped
 * and the replica restored.
 */
export async function runDeployDrill(opts: DrillOptions): Promise<DeployDrillResult> {
  const log = opts.log ?? (() => {});
  const stack = new DeployStack(
    `deploy-${opts.lease ? "lease" : "nolease"}/data.db`,
    { PB_LEASE: opts.lease ? "on" : "off", ...(opts.extraEnv ?? {}) },
    { proxy: opts.proxy },
  );
  await stack.start();
  try {
    const first = await firstContainer(stack);
    const writer = new Writer(first.token, opts.intervalMs ?? 25);
    writer.rotation = [first.c];
    writer.start();
    const loadFrom = Date.now();
    // The sleeps below are load phases: wall-clock time with the writer running on a set of
    // containers (the overlap of a deploy), not waits for something to become true.
    await sleep(1500);
    const deployMs: number[] = [];
    let current = first.c;
    for (let d = 1; d <= opts.deploys; d++) {
      const next = await stack.launch(String.fromCharCode(65 + d));
      const healthyAt = await next.run.waitHealthy(next.site.url, 120_000);
      deployMs.push(healthyAt - next.run.startedAt);
      writer.rotation = [current, next];
      log(`deploy ${d}: ${next.name} healthy after ${healthyAt - next.run.startedAt}ms`);
      await sleep(opts.overlapMs ?? 1500);
      const old = current;
      writer.rotation = [next];
      await old.run.terminate(30_000);
      current = next;
      await sleep(1500);
    }
    const loadTo = Date.now();
    await writer.stop();
    await current.run.terminate(30_000);
    const final = await stack.restoreAndInspect();
    const found = new Set(final.seqs);
    const lost = writer.acks.filter((a) => !found.has(a.seq));
    log(`${writer.acks.length} acknowledged, ${lost.length} lost, ${writer.refused} refused, integrity ${final.integrity}`);
    return {
      acked: writer.acks,
      lost,
      restoredRows: final.seqs.length,
      duplicates: final.duplicates,
      integrity: final.integrity,
      maxPauseMs: writer.maxPause(loadFrom, loadTo),
      deployMs,
      refused: writer.refused,
      firstRefusal: writer.firstRefusal,
      outputs: Object.fromEntries(stack.containers.map((c) => [c.name, c.run.output()])),
      requests: stack.proxy?.requests ?? [],
    };
  } finally {
    await stack.destroy();
  }
}

export interface CrashResult {
  /** kill -9 of the primary -> the next container healthy (ms). */
  takeoverMs: number;
  acked: Ack[];
  lost: { seq: number; ageMs: number; by: string }[];
  /** sync interval + monitor interval: nothing acknowledged earlier than this before the kill may be lost. */
  cycleMs: number;
  integrity: string;
  duplicates: number;
  output: string;
  /** With `proxy`: every S3 request the containers sent. */
  requests: Recorded[];
}

/**
 * Crash: the primary is killed with SIGKILL under load (Litestream, PocketBase and the lease agent
 * at once); a new container starts on the same REPLICA_URL and must take over after the TTL.
 */
export async function runCrashDrill(
  env: Record<string, string>,
  monitorIntervalMs: number,
  log: (m: string) => void = () => {},
  opts: { proxy?: boolean } = {},
): Promise<CrashResult> {
  const stack = new DeployStack("crash/data.db", env, opts);
  await stack.start();
  try {
    const { c: a, token } = await firstContainer(stack);
    const writer = new Writer(token, 20);
    writer.rotation = [a];
    writer.start();
    await sleep(3000);
    const killAt = Date.now();
    await a.run.kill9();
    writer.rotation = [];
    const b = await stack.launch("B");
    const healthyAt = await b.run.waitHealthy(b.site.url, 60_000);
    log(`crash: B healthy ${healthyAt - killAt}ms after the kill`);
    writer.rotation = [b];
    await sleep(1500);
    await writer.stop();
    await b.run.terminate();
    const final = await stack.restoreAndInspect();
    const found = new Set(final.seqs);
    const lost = writer.acks.filter((x) => !found.has(x.seq)).map((x) => ({ seq: x.seq, ageMs: killAt - x.at, by: x.by }));
    return {
      takeoverMs: healthyAt - killAt,
      acked: writer.acks,
      lost,
      cycleMs: 1000 + monitorIntervalMs,
      integrity: final.integrity,
      duplicates: final.duplicates,
      output: b.run.output(),
      requests: stack.proxy?.requests ?? [],
    };
  } finally {
    await stack.destroy();
  }
}

/** Posts a drill write to `url` every 100 ms until one is refused with 503 or `withinMs` has passed
 * since `since`; returns the last status and how long after `since` it came (the self-fence tests). */
export async function writeUntilRefused(
  url: string,
  token: string,
  since: number,
  withinMs = 8000,
): Promise<{ status: number; afterMs: number }> {
  let status = 0;
  await pollUntil(
    async () => {
      const res = await fetch(`${url}/api/collections/drill/records`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: token },
        body: JSON.stringify({ seq: 1 }),
      });
      status = res.status;
      return status === 503;
    },
    withinMs - (Date.now() - since),
    100,
  );
  return { status, afterMs: Date.now() - since };
}

/** What a container's /api/ops/health answers, or null while it does not answer. */
export async function leaseHealth(
  c: Container,
): Promise<{ status: number; body: { status: string; lease?: { role: string; reason: string } } } | null> {
  try {
    const res = await fetch(`${c.site.url}/api/ops/health`);
    return { status: res.status, body: (await res.json()) as { status: string; lease?: { role: string; reason: string } } };
  } catch {
    return null;
  }
}

/**
 * Two containers started at once: polls their health until one answers 200 (the primary) and the
 * other 503 {"status":"standby"}; undefined for a role not seen within `withinMs`.
 */
export async function primaryAndStandby(
  containers: Container[],
  withinMs = 60_000,
): Promise<{ primary: Container | undefined; standby: Container | undefined }> {
  let primary: Container | undefined;
  let standby: Container | undefined;
  await pollUntil(
    async () => {
      for (const c of containers) {
        const h = await leaseHealth(c);
        if (h?.status === 200) primary = c;
        if (h?.status === 503 && h.body.status === "standby") standby = c;
      }
      return !!(primary && standby);
    },
    withinMs,
    200,
  );
  return { primary, standby };
}

/** The lease a primary reports in backup-status, polled until `claimantId` is among its foreign claimants. */
export async function leaseSeeing(
  primary: Container,
  claimantId: string,
  opsToken: string,
): Promise<{ role: string; epoch: number; foreignClaimants: { id?: string }[] }> {
  const { value } = await readUntil(
    async () => {
      const res = await fetch(`${primary.site.url}/api/ops/backup-status`, { headers: { authorization: `Bearer ${opsToken}` } });
      return ((await res.json()) as { lease?: { role: string; epoch: number; foreignClaimants: { id?: string }[] } }).lease;
    },
    (lease) => !!lease?.foreignClaimants.some((c) => c.id === claimantId),
    { withinMs: 15_000, everyMs: 200, what: `${claimantId} among the primary's foreign claimants` },
  );
  return value!;
}

/**
 * A load balancer that does not check health: writes alternate between the primary and the standby
 * until the primary has acknowledged more than 20 (the standby was asked about as often). The
 * writer, stopped.
 */
export async function writeToBoth(primary: Container, standby: Container): Promise<Writer> {
  await upsertSuperuser(primary.site, primary.env);
  const token = await superuserToken(primary.site.url);
  await createDrillCollection(primary.site.url, token);
  const writer = new Writer(token, 25);
  writer.rotation = [primary, standby];
  writer.start();
  await waitFor(() => writer.acks.filter((a) => a.by === primary.name).length > 20, 30_000, "21 writes acknowledged by the primary");
  await writer.stop();
  return writer;
}
