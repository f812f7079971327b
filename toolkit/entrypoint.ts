// Runs deploy/entrypoint.sh exactly as the container does, without Docker: the same script with the
// pinned PocketBase and Litestream binaries (the versions deploy/Dockerfile builds), loopback
// ports, a temp data dir and the built pb_hooks/, against versitygw. The script runs in its own
// process group so a test can kill -9 everything it started (Litestream and PocketBase) at once.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binPath } from "../scripts/binaries.mjs";
import { BINARIES, LITESTREAM_VERSIONS, POCKETBASE_NEWEST } from "../scripts/versions.mjs";
import { S3_KEYS } from "./backup-stack";
import { ROOT } from "./paths";
import { SUPERUSER, baseEnv, freePort, pocketbaseBinary, prepareHooks } from "./pocketbase";
import { pollUntil } from "./wait";

const ENTRYPOINT = join(ROOT, "deploy", "entrypoint.sh");
export const LITESTREAM_YML = join(ROOT, "deploy", "litestream.yml");
/** The versions deploy/Dockerfile builds (tests/deploy/kit.test.ts proves they are these). */
export const DEPLOY_POCKETBASE = POCKETBASE_NEWEST as string;
export const DEPLOY_LITESTREAM = LITESTREAM_VERSIONS.find((v: string) => v.startsWith("v0.5."))!;

export function litestreamBinary(version = DEPLOY_LITESTREAM): string {
  return binPath(BINARIES.litestream(version).name);
}

export interface Site {
  dataDir: string;
  hooksDir: string;
  port: number;
  metricsPort: number;
  url: string;
}

/** A fresh "container disk": data dir (not created: the entrypoint creates it), hooks, ports. */
export async function newSite(): Promise<Site> {
  const base = mkdtempSync(join(tmpdir(), "pbops-site-"));
  const port = await freePort();
  return { dataDir: join(base, "pb_data"), hooksDir: prepareHooks(), port, metricsPort: await freePort(), url: `http://127.0.0.1:${port}` };
}

export function removeSite(site: Site): void {
  rmSync(join(site.dataDir, ".."), { recursive: true, force: true });
  rmSync(site.hooksDir, { recursive: true, force: true });
}

/** The container's environment for `site`, plus the replica settings (if any) and overrides. */
export function entrypointEnv(
  site: Site,
  replica?: { url: string; keys?: { accessKey: string; secretKey: string } },
  extra: Record<string, string> = {},
): Record<string, string> {
  const keys = replica?.keys ?? S3_KEYS;
  return baseEnv({
    POCKETBASE_BIN: pocketbaseBinary(DEPLOY_POCKETBASE),
    LITESTREAM_BIN: litestreamBinary(),
    LITESTREAM_CONFIG: LITESTREAM_YML,
    POCKETBASE_DIR: site.dataDir,
    POCKETBASE_HOOKS_DIR: site.hooksDir,
    POCKETBASE_MIGRATIONS_DIR: join(ROOT, "pb_migrations"),
    HOST: "127.0.0.1",
    PORT: String(site.port),
    LITESTREAM_METRICS_ADDR: `127.0.0.1:${site.metricsPort}`,
    PB_LITESTREAM_METRICS_URL: `http://127.0.0.1:${site.metricsPort}/metrics`,
    ...(replica
      ? { REPLICA_URL: replica.url, LITESTREAM_ACCESS_KEY_ID: keys.accessKey, LITESTREAM_SECRET_ACCESS_KEY: keys.secretKey }
      : {}),
    ...extra,
  });
}

/** kill(2) on a process group. (src/jsvm-runtime.d.ts narrows the global `process` type for the
 * JSVM code; the tests run in Node, where the real one is there.) */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  (process as unknown as NodeJS.Process).kill(-pid, signal);
}

export class EntrypointRun {
  readonly child: ChildProcess;
  readonly startedAt = Date.now();
  private out = "";
  private stdoutText = "";
  private stderrText = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: Record<string, string>, args: string[] = []) {
    this.child = spawn("sh", [ENTRYPOINT, ...args], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    this.child.stdout!.on("data", (b) => {
      this.out += b.toString();
      this.stdoutText += b.toString();
    });
    this.child.stderr!.on("data", (b) => {
      this.out += b.toString();
      this.stderrText += b.toString();
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
  }

  output(): string {
    return this.out;
  }

  /** What the container writes to stdout and stderr, separately (all of it should be stdout). */
  streams(): { stdout: string; stderr: string } {
    return { stdout: this.stdoutText, stderr: this.stderrText };
  }

  /** The entrypoint's own lines, as `entrypoint: <msg>` (they are JSON lines with source
   * "entrypoint" on stdout). */
  lines(): string[] {
    return entrypointLines(this.out);
  }

  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `url` answers 200 on /api/ops/health; returns when (ms since epoch). */
  async waitHealthy(url: string, timeoutMs = 60_000): Promise<number> {
    const healthy = await pollUntil(
      async () => {
        if (!this.running()) throw new Error(`entrypoint exited (${this.child.exitCode}) before serving:\n${this.out}`);
        try {
          return (await fetch(`${url}/api/ops/health`)).status === 200;
        } catch {
          return false; // not listening yet
        }
      },
      timeoutMs,
      25,
    );
    if (!healthy) throw new Error(`not healthy in ${timeoutMs}ms:\n${this.out}`);
    return Date.now();
  }

  /** kill -9 of the whole group: Litestream (the exec'd entrypoint) and PocketBase, no goodbye. */
  async kill9(): Promise<void> {
    try {
      killGroup(this.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    await this.exited;
  }

  /** What the platform does on a deploy: SIGTERM to the main process only. */
  async terminate(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running()) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.kill9(), timeoutMs);
    const res = await this.exited;
    clearTimeout(timer);
    return res;
  }

  /** Makes sure nothing of this run is left (also PocketBase if Litestream died alone). */
  async cleanup(): Promise<void> {
    if (this.running()) await this.terminate(5000);
    try {
      killGroup(this.child.pid!, "SIGKILL");
    } catch {
      // group empty
    }
  }
}

/** One parsed stdout line of the container. */
export interface JsonLine {
  time: string;
  level: string;
  msg: string;
  source?: string;
  [k: string]: unknown;
}

/** Parses every non-empty line of `text` as a JSON object with string time/level/msg, or throws
 * naming the first line that is not (the log drain's view of the stream). */
export function parseJsonLines(text: string): JsonLine[] {
  const out: JsonLine[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new Error(`stdout line is not JSON: ${JSON.stringify(line)}`);
    }
    const r = rec as Record<string, unknown>;
    if (typeof r !== "object" || r === null || Array.isArray(r)) throw new Error(`stdout line is not a JSON object: ${line}`);
    for (const k of ["time", "level", "msg"]) if (typeof r[k] !== "string") throw new Error(`stdout line has no string "${k}": ${line}`);
    if (Number.isNaN(Date.parse(r.time as string))) throw new Error(`stdout line's time is not a date: ${line}`);
    // A duplicated key is valid for JSON.parse (the last wins) but not for stricter parsers.
    const keys = topLevelKeys(line);
    if (keys.length !== new Set(keys).size) throw new Error(`stdout line repeats a key (${keys.join(",")}): ${line}`);
    out.push(r as JsonLine);
  }
  return out;
}

/** The keys of a JSON object's text at depth 1, in order, duplicates kept. */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      const str = json.slice(i, j + 1);
      let k = j + 1;
      while (json[k] === " ") k++;
      if (depth === 1 && json[k] === ":") keys.push(JSON.parse(str) as string);
      i = j;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return keys;
}

/** The entrypoint's own lines in `output` (JSON lines with source "entrypoint"), as
 * `entrypoint: <msg>`. Non-JSON lines are skipped here; tests that check the stream use
 * parseJsonLines. */
function entrypointLines(output: string): string[] {
  const lines: string[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const rec = JSON.parse(line) as JsonLine;
      if (rec.source === "entrypoint") lines.push(`entrypoint: ${rec.msg}`);
    } catch {
      // not a JSON line
    }
  }
  return lines;
}

/**
 * The sites and entrypoint runs one test file starts: `stopRuns()` after each test, `removeSites()`
 * after all of them.
 */
export class EntrypointFixtures {
  private readonly sites: Site[] = [];
  private readonly runs: EntrypointRun[] = [];

  async site(): Promise<Site> {
    const s = await newSite();
    this.sites.push(s);
    return s;
  }

  start(env: Record<string, string>, args: string[] = []): EntrypointRun {
    const run = new EntrypointRun(env, args);
    this.runs.push(run);
    return run;
  }

  async stopRuns(): Promise<void> {
    for (const r of this.runs.splice(0)) await r.cleanup();
  }

  removeSites(): void {
    for (const s of this.sites.splice(0)) removeSite(s);
  }
}

/** The `pocketbase serve` the entrypoint runs as its child: its argv and environment (from /proc). */
export function serveProcess(run: EntrypointRun): { argv: string[]; env: string[] } {
  const pid = run.child.pid!;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/);
  for (const child of children) {
    const argv = readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0");
    if (argv.includes("serve")) return { argv, env: readFileSync(`/proc/${child}/environ`, "utf8").split("\0") };
  }
  throw new Error(`no pocketbase serve among the entrypoint's children (${children.join(", ")})`);
}

/** Runs the entrypoint to completion (a run that must fail), with a time limit. */
export async function runToExit(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string; lines: string[]; stdout: string; stderr: string }> {
  const run = new EntrypointRun(env);
  const timer = setTimeout(() => void run.kill9(), timeoutMs);
  const { code } = await run.exited;
  clearTimeout(timer);
  await run.cleanup();
  return { code, output: run.output(), lines: run.lines(), ...run.streams() };
}

/**
 * Runs a command to completion WITHOUT blocking the event loop. spawnSync must not be used while
 * versitygw, Litestream or PocketBase run with their output piped to this process: a blocked loop
 * stops draining those pipes, the servers block writing their logs, and the command waiting on
 * them hangs (seen: a restore hanging on a versitygw stuck on a full stdout pipe).
 */
export function runCommand(
  bin: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (b) => (stdout += b.toString()));
    child.stderr!.on("data", (b) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Creates the superuser through PocketBase's CLI on the site's data dir (as an operator would in
 * the App Platform console). Safe while PocketBase and Litestream run: SQLite serialises writers. */
export async function upsertSuperuser(site: Site, env: Record<string, string>): Promise<void> {
  const res = await runCommand(
    pocketbaseBinary(DEPLOY_POCKETBASE),
    ["superuser", "upsert", SUPERUSER.email, SUPERUSER.password, "--dir", site.dataDir, "--hooksDir", site.hooksDir],
    env,
  );
  if (res.status !== 0) throw new Error(`superuser upsert failed (${res.status}): ${res.stdout}${res.stderr}`);
}

export async function superuserToken(url: string): Promise<string> {
  const res = await fetch(`${url}/api/collections/_superusers/auth-with-password`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ identity: SUPERUSER.email, password: SUPERUSER.password }),
  });
  if (!res.ok) throw new Error(`superuser auth failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
