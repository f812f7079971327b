// Builds pinned Go binaries with `go install` from the Go module proxy into a cache that survives
// between runs and clones (~/.local/share/pb-ops/bin, or $PBOPS_CACHE_DIR). Reused when present.
//
// The cache must live neither under the OS temp dir nor under the user cache dir (~/.cache):
// PocketBase (tools/osutils/run.go) takes a binary started from either for `go run` and switches
// dev mode on (SQL echo, coloured request logs on stdout).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { BINARIES, LITESTREAM_VERSIONS, POCKETBASE_VERSIONS } from "./versions.mjs";

export function cacheDir() {
  return process.env.PBOPS_CACHE_DIR || join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "pb-ops");
}

export function binPath(name) {
  return join(cacheDir(), "bin", name);
}

/**
 * Ensures one binary. `spec`: {name, pkg, toolchain?, cgo?}. Prints progress while it builds
 * (first run only: a PocketBase build takes a few minutes on 2 cores).
 */
export async function ensureGoBinary(spec) {
  const target = binPath(spec.name);
  if (existsSync(target)) return target;
  await mkdir(join(cacheDir(), "bin"), { recursive: true });
  const gobin = await mkdtemp(join(cacheDir(), "bin", ".build-"));
  const env = { ...process.env, GOBIN: gobin, CGO_ENABLED: spec.cgo ? "1" : "0", GOFLAGS: "-trimpath" };
  if (spec.toolchain) env.GOTOOLCHAIN = spec.toolchain;
  const started = Date.now();
  log(`building ${spec.name} (${spec.pkg}${spec.toolchain ? `, ${spec.toolchain}` : ""}); first run only`);
  const heartbeat = setInterval(() => log(`  still building ${spec.name}... ${Math.round((Date.now() - started) / 1000)}s`), 20_000);
  try {
    await run("go", ["install", spec.pkg], env, (line) => {
      if (!line.startsWith("go: downloading")) log(`  ${line}`);
    });
    const built = join(gobin, spec.pkg.split("@")[0].split("/").pop());
    await rename(built, target);
  } finally {
    clearInterval(heartbeat);
    await rm(gobin, { recursive: true, force: true });
  }
  log(`built ${target} in ${Math.round((Date.now() - started) / 1000)}s`);
  return target;
}

export async function ensurePocketBase(version) {
  return ensureGoBinary(BINARIES.pocketbase(version));
}

export async function ensureAllPocketBase() {
  const out = {};
  // One at a time: two Go builds on 2 cores are not faster than one after the other.
  for (const v of POCKETBASE_VERSIONS) out[v] = await ensurePocketBase(v);
  return out;
}

/** Litestream (both layouts) and versitygw for the backup-status tests. One at a time, as above. */
export async function ensureBackupStack() {
  const out = {};
  for (const v of LITESTREAM_VERSIONS) out[`litestream-${v}`] = await ensureGoBinary(BINARIES.litestream(v));
  out.versitygw = await ensureGoBinary(BINARIES.versitygw());
  return out;
}

function log(msg) {
  process.stderr.write(`[pb-ops setup] ${msg}\n`);
}

function run(cmd, args, env, onLine) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const feed = (buf) => {
      const text = buf.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split("\n")) if (line.trim()) onLine(line.trim());
    };
    child.stdout.on("data", feed);
    child.stderr.on("data", feed);
    child.on("error", (err) => reject(new Error(`${cmd} not runnable (${err.message}); install Go first`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} failed (exit ${code}):\n${tail}`))));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const paths = await ensureAllPocketBase();
  for (const [v, p] of Object.entries(paths)) console.log(`${v} ${p}`);
}
