// The backup test stack, all real and on loopback: versitygw (an S3 server that checks SigV4) and
// Litestream (v0.5 or v0.3) replicating the data.db of a PocketBase under test. Binaries are the
// pinned ones from scripts/versions.mjs, built by scripts/binaries.mjs.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binPath } from "../scripts/binaries.mjs";
import { BINARIES, LITESTREAM_VERSIONS } from "../scripts/versions.mjs";
import { freePort } from "./pocketbase";
import { pollUntil } from "./wait";

export { LITESTREAM_VERSIONS };

export const S3_KEYS = { accessKey: "pbopsTestAccessKey01", secretKey: "pbopsTestSecretKey-9c1e0b7a5d4c2e8f" };
export const BUCKET = "pbops-backups";

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<void>;
}

function launch(bin: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(bin, args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b) => (out += b.toString()));
  child.stderr!.on("data", (b) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return { child, out: () => out, exited };
}

async function stopProc(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGCONT"); // a paused process cannot handle SIGTERM
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), 5000);
  await p.exited;
  clearTimeout(timer);
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 20_000, proc?: Proc): Promise<void> {
  const ready = await pollUntil(
    async () => {
      try {
        if (await fn()) return true;
      } catch {
        // not yet
      }
      if (proc && proc.child.exitCode !== null) throw new Error(`${what}: process exited (${proc.child.exitCode}):\n${proc.out()}`);
      return false;
    },
    timeoutMs,
    100,
  );
  if (!ready) throw new Error(`${what}: not ready in ${timeoutMs}ms${proc ? `:\n${proc.out()}` : ""}`);
}

/** A long-running helper process the tests stop, pause (SIGSTOP) and restart. */
class ManagedProcess {
  protected proc: Proc | undefined;
  protected logs = "";

  async stop(): Promise<void> {
    if (this.proc) this.logs += this.proc.out();
    await stopProc(this.proc);
    this.proc = undefined;
  }

  pause(): void {
    this.proc?.child.kill("SIGSTOP");
  }

  resume(): void {
    this.proc?.child.kill("SIGCONT");
  }

  output(): string {
    return this.logs + (this.proc?.out() ?? "");
  }
}

export class S3Server extends ManagedProcess {
  readonly dir = mkdtempSync(join(tmpdir(), "pbops-s3-"));
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts on the same port and data) with the given root keys. */
  async start(keys = S3_KEYS): Promise<void> {
    if (!this.port) this.port = await freePort();
    mkdirSync(join(this.dir, "data", BUCKET), { recursive: true });
    mkdirSync(join(this.dir, "meta"), { recursive: true });
    this.proc = launch(
      binPath(BINARIES.versitygw().name),
      ["--port", `127.0.0.1:${this.port}`, "posix", "--sidecar", join(this.dir, "meta"), join(this.dir, "data")],
      {
        ROOT_ACCESS_KEY: keys.accessKey,
        ROOT_SECRET_KEY: keys.secretKey,
      },
    );
    await waitFor("versitygw", async () => (await fetch(`${this.url}/`)).status > 0, 20_000, this.proc);
  }

  /** Where the posix backend keeps a prefix's objects. */
  prefixDir(prefix: string): string {
    return join(this.dir, "data", BUCKET, prefix);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface LitestreamOptions {
  version: string;
  dbPath: string;
  replicaUrl: string;
  metricsPort: number;
}

export class Litestream extends ManagedProcess {
  readonly configPath: string;

  constructor(readonly opts: LitestreamOptions) {
    super();
    const dir = mkdtempSync(join(tmpdir(), "pbops-ls-"));
    this.configPath = join(dir, "litestream.yml");
    // Short intervals so the tests run in seconds. v0.5 reads the `?endpoint=` URL form from
    // ${REPLICA_URL}; v0.3 only understands endpoints in the host part, so its replica is spelled
    // out field by field (keys still from LITESTREAM_* in the environment, as in the template).
    const v03 = opts.version.startsWith("v0.3.");
    const m = /^s3:\/\/([^/]+)\/([^?]*)\?endpoint=([^&]+)&region=([^&]+)/.exec(opts.replicaUrl);
    if (!m) throw new Error(`unexpected replica URL ${opts.replicaUrl}`);
    const replica = v03
      ? [
          "      - type: s3",
          `        bucket: ${m[1]}`,
          `        path: ${m[2]}`,
          `        endpoint: ${m[3]}`,
          `        region: ${m[4]}`,
          "        force-path-style: true",
        ]
      : ["      - url: ${REPLICA_URL}"];
    writeFileSync(
      this.configPath,
      [
        `addr: "127.0.0.1:${opts.metricsPort}"`,
        "dbs:",
        `  - path: ${opts.dbPath}`,
        ...(v03 ? [] : ["    monitor-interval: 200ms", "    checkpoint-interval: 2s"]),
        "    replicas:",
        ...replica,
        "        sync-interval: 1s",
        "",
      ].join("\n"),
    );
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.opts.metricsPort}/metrics`;
  }

  async start(): Promise<void> {
    this.proc = launch(binPath(BINARIES.litestream(this.opts.version).name), ["replicate", "-config", this.configPath], {
      REPLICA_URL: this.opts.replicaUrl,
      LITESTREAM_ACCESS_KEY_ID: S3_KEYS.accessKey,
      LITESTREAM_SECRET_ACCESS_KEY: S3_KEYS.secretKey,
    });
    await waitFor(`litestream ${this.opts.version}`, async () => (await fetch(this.metricsUrl)).ok, 20_000, this.proc);
  }
}

/** The replica settings as the production guide names them, for a PocketBase (or entrypoint) env. */
export function replicaEnv(url: string): Record<string, string> {
  return { REPLICA_URL: url, LITESTREAM_ACCESS_KEY_ID: S3_KEYS.accessKey, LITESTREAM_SECRET_ACCESS_KEY: S3_KEYS.secretKey };
}

/** REPLICA_URL in the `?endpoint=` form Litestream and pb-ops both read. */
export function replicaUrl(s3: S3Server, prefix: string): string {
  return `s3://${BUCKET}/${prefix}?endpoint=http://127.0.0.1:${s3.port}&region=us-east-1&forcePathStyle=true`;
}
