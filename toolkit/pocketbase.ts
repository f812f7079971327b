// Starts a real PocketBase binary (pinned, built by scripts/binaries.mjs) on a free loopback port
// with a temp data dir, the built pb_hooks/ and a given environment; waits until healthy; creates a
// superuser; captures stdout and stderr; stops it and cleans up.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binPath } from "../scripts/binaries.mjs";
import { BINARIES, POCKETBASE_VERSIONS } from "../scripts/versions.mjs";
import { ROOT } from "./paths";
import { pollUntil } from "./wait";

export { POCKETBASE_VERSIONS };

export const SUPERUSER = { email: "ops@example.com", password: "correct-horse-battery-9" };

export interface StartOptions {
  version: string;
  /** Extra environment; merged over a clean base (no PB_* from the outer shell). */
  env?: Record<string, string>;
  /** Extra hook files (name -> source) copied next to the built pb_hooks. */
  extraHooks?: Record<string, string>;
  /** Create SUPERUSER before serving (default true). */
  superuser?: boolean;
  /** Extra CLI args for `serve`. */
  serveArgs?: string[];
  /** Reuse an existing data dir (e.g. to restart on the same data). */
  dataDir?: string;
  /** A file descriptor for PocketBase's stdout (e.g. a file opened for appending) instead of a pipe. */
  stdoutFd?: number;
  /** Copy the built pb-ops hooks (default true); false gives bare PocketBase plus extraHooks. */
  withPbOps?: boolean;
  /** A hooks dir to copy instead of pb-ops's pb_hooks (e.g. an app team's build output). */
  hooksFrom?: string;
  /**
   * How to tell it is serving: `health` (default) asks GET /api/health, which runs the JS
   * middlewares once; `mux` asks for a non-canonical path (`//`), which Go's ServeMux redirects before
   * any middleware, so no JS VM has run when this returns (the bench's cold-start row).
   */
  readyProbe?: "health" | "mux";
}

export interface RunningPocketBase {
  url: string;
  port: number;
  dataDir: string;
  hooksDir: string;
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Superuser auth token (when created). */
  superuserToken(): Promise<string>;
  stop(): Promise<void>;
}

export function pocketbaseBinary(version: string): string {
  return binPath(BINARIES.pocketbase(version).name);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** Ports below Linux's ephemeral range (32768-60999): a block per concurrently running vitest
 * worker (VITEST_POOL_ID), handed out in order and never twice in a process. A port the kernel picks
 * (`listen(0)`) can be picked again for another worker's server, or for any client socket, the moment
 * it is closed: a test that restarts a server on its port then met another test's server there. */
const PORT_BLOCK = 400;
let nextPort = 0;

export async function freePort(): Promise<number> {
  const first = 20000 + (Number(process.env.VITEST_POOL_ID ?? 0) % 30) * PORT_BLOCK;
  if (nextPort === 0) nextPort = first;
  for (let tries = 0; tries < PORT_BLOCK; tries++) {
    const port = nextPort;
    nextPort = nextPort + 1 >= first + PORT_BLOCK ? first : nextPort + 1;
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port in ${first}-${first + PORT_BLOCK - 1}`);
}

/** A clean environment: the machine's PATH/HOME, none of the outer shell's PB_* or secrets. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "TZ", "LANG"]) if (process.env[k]) env[k] = process.env[k]!;
  return { ...env, ...extra };
}

/** Copies the built pb_hooks (plus extra hook files) into a fresh temp dir. */
export function prepareHooks(extraHooks: Record<string, string> = {}, withPbOps = true, from = join(ROOT, "pb_hooks")): string {
  const dir = mkdtempSync(join(tmpdir(), "pbops-hooks-"));
  if (withPbOps) cpSync(from, dir, { recursive: true });
  for (const [name, src] of Object.entries(extraHooks)) writeFileSync(join(dir, name), src);
  return dir;
}

/**
 * Every instance gets its own migrations dir. PocketBase's default is <dataDir>/../pb_migrations,
 * which for temp data dirs is one shared /tmp/pb_migrations: a migration one test's --automigrate
 * writes there would be run by every other instance.
 */
function dirArgs(dataDir: string, hooksDir: string): string[] {
  return ["--dir", dataDir, "--hooksDir", hooksDir, "--migrationsDir", join(dataDir, "pb_migrations")];
}

/** Runs a PocketBase CLI command to completion (e.g. a boot that must fail). */
export function runPocketBase(
  version: string,
  args: string[],
  opts: { env?: Record<string, string>; dataDir?: string; hooksDir?: string; timeoutMs?: number } = {},
) {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "pbops-data-"));
  const hooksDir = opts.hooksDir ?? prepareHooks();
  const res = spawnSync(pocketbaseBinary(version), [...args, ...dirArgs(dataDir, hooksDir)], {
    env: baseEnv(opts.env),
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 20_000,
  });
  if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (!opts.hooksDir) rmSync(hooksDir, { recursive: true, force: true });
  return { status: res.status, signal: res.signal, stdout: res.stdout ?? "", stderr: res.stderr ?? "" };
}

export async function startPocketBase(opts: StartOptions): Promise<RunningPocketBase> {
  const ownData = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "pbops-data-"));
  mkdirSync(dataDir, { recursive: true });
  const hooksDir = prepareHooks(opts.extraHooks, opts.withPbOps ?? true, opts.hooksFrom);
  const env = baseEnv(opts.env);
  const bin = pocketbaseBinary(opts.version);

  if (opts.superuser !== false) {
    const res = spawnSync(bin, ["superuser", "upsert", SUPERUSER.email, SUPERUSER.password, ...dirArgs(dataDir, hooksDir)], {
      env,
      encoding: "utf8",
      timeout: 30_000,
    });
    if (res.status !== 0) throw new Error(`superuser upsert failed (${res.status}): ${res.stdout}${res.stderr}`);
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ["serve", "--http", `127.0.0.1:${port}`, ...dirArgs(dataDir, hooksDir), ...(opts.serveArgs ?? [])], {
    env,
    stdio: ["ignore", opts.stdoutFd ?? "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (b) => (out += b.toString()));
  child.stderr!.on("data", (b) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  let token: string | undefined;
  const running: RunningPocketBase = {
    url,
    port,
    dataDir,
    hooksDir,
    process: child,
    stdout: () => out,
    stderr: () => err,
    async superuserToken() {
      if (token) return token;
      const res = await fetch(`${url}/api/collections/_superusers/auth-with-password`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ identity: SUPERUSER.email, password: SUPERUSER.password }),
      });
      if (!res.ok) throw new Error(`superuser auth failed: ${res.status} ${await res.text()}`);
      token = ((await res.json()) as { token: string }).token;
      return token;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(hooksDir, { recursive: true, force: true });
      if (ownData) rmSync(dataDir, { recursive: true, force: true });
    },
  };

  const serving = await pollUntil(
    async () => {
      if (child.exitCode !== null)
        throw new Error(`PocketBase ${opts.version} exited with ${child.exitCode} before serving:\n${out}\n${err}`);
      try {
        if (opts.readyProbe === "mux") {
          const res = await fetch(`${url}//api/health`, { redirect: "manual" });
          return res.status === 307 || res.status === 301;
        }
        return (await fetch(`${url}/api/health`)).ok;
      } catch {
        return false; // not listening yet
      }
    },
    30_000,
    10,
  );
  if (!serving) {
    await running.stop();
    throw new Error(`PocketBase ${opts.version} did not become healthy in 30s:\n${out}\n${err}`);
  }
  return running;
}
