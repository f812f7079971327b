#!/usr/bin/env node
// npm run test:image: builds deploy/Dockerfile the way a user would and runs the container against
// versitygw on loopback (tests/image/container.test.ts). Idempotent: what exists is reused.
//
//   1. Docker: Debian's docker.io (its 20.10 CLI has BuildKit built in; a newer CLI without buildx
//      cannot use it) and debootstrap, installed with apt-get on first run. dockerd is started by
//      this script when none answers, with --bridge=none --iptables=false --ip6tables=false: every
//      build and run here uses --network host (loopback only).
//   2. Base images: Docker Hub may be unreachable, so local stand-ins are built under the exact tags
//      deploy/Dockerfile uses, once, and kept (labelled pb-ops.stand-in): debian:bookworm-slim is
//      `debootstrap --variant=minbase bookworm`; the node and golang tags are that plus this
//      machine's Node 20 and Go. They trust this machine's CA bundle (outbound TLS may go through
//      an intercepting proxy). A real image already under a tag is used as it is.
//   3. `docker build -f deploy/Dockerfile` from the repository root (BuildKit), tagged pb-ops:test.
//   4. vitest on tests/image/ with PBOPS_IMAGE and PBOPS_DOCKER set.
//
// Fails loudly (exit 1, one line saying what is missing) when any step cannot be done: it never
// skips. Needs root (or sudo-less apt/dockerd rights) and ~8 GB of free disk.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheDir, ensureGoBinary } from "./binaries.mjs";
import { BINARIES, LITESTREAM_VERSIONS, POCKETBASE_NEWEST } from "./versions.mjs";
import { ROOT, build, ensureNodeModules } from "./setup.mjs";

export const IMAGE = process.env.PBOPS_IMAGE || "pb-ops:test";
/** Debian's CLI: BuildKit without buildx. A docker earlier on PATH may be a CLI without it. */
export const DOCKER = process.env.PBOPS_DOCKER || "/usr/bin/docker";
const DOCKERD = "/usr/sbin/dockerd";
const NEED_FREE_GB = 8;
const STAND_IN_LABEL = "pb-ops.stand-in";
const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const BUILD_TIMEOUT_MS = 30 * 60_000;
const timings = {};
const t0 = Date.now();

function say(msg) {
  process.stderr.write(`[test:image] ${msg}\n`);
}

function fail(msg) {
  say(`FAILED: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  return { status: res.error ? -1 : res.status, stdout: res.stdout ?? "", stderr: (res.stderr ?? "") + (res.error ? String(res.error) : "") };
}

/** Runs a long command, its output into `logFile`, a heartbeat every 30 s, the tail on failure. */
function runLogged(label, cmd, args, { logFile, env, input, timeoutMs = BUILD_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let out = "";
    const child = spawn(cmd, args, { cwd: ROOT, env: env ?? process.env, stdio: [input ? "pipe" : "ignore", "pipe", "pipe"] });
    if (input) {
      input.stdout.pipe(child.stdin);
    }
    const feed = (b) => (out += b.toString());
    child.stdout.on("data", feed);
    child.stderr.on("data", feed);
    const beat = setInterval(() => say(`  ${label}: ${Math.round((Date.now() - started) / 1000)}s...`), 30_000);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearInterval(beat);
      clearTimeout(timer);
      if (logFile) writeFileSync(logFile, out);
      if (code === 0) resolve(out);
      else reject(new Error(`${label} failed (exit ${code}${code === null ? `, killed after ${timeoutMs / 1000}s` : ""})${logFile ? `; full log: ${logFile}` : ""}\n${out.split("\n").slice(-40).join("\n")}`));
    });
  });
}

async function step(name, fn) {
  const started = Date.now();
  say(`${name}...`);
  try {
    const r = await fn();
    timings[name] = Date.now() - started;
    say(`${name}: ${r ?? "done"} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  } catch (err) {
    fail(`${name}: ${err.message}`);
  }
}

// ---- 1. preflight and Docker -------------------------------------------------------------------

function freeGb(path) {
  const s = statfsSync(path);
  return (s.bavail * s.bsize) / 1024 ** 3;
}

function dockerOk() {
  return run(DOCKER, ["version", "--format", "{{.Server.Version}}"]).status === 0;
}

async function ensureDocker() {
  if (process.getuid?.() !== 0) throw new Error("must run as root (it installs docker.io and debootstrap and starts dockerd)");
  const need = [];
  if (!existsSync(DOCKER) || !existsSync(DOCKERD)) need.push("docker.io");
  if (!existsSync("/usr/sbin/debootstrap")) need.push("debootstrap");
  if (need.length) {
    say(`  installing ${need.join(" ")} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    await runLogged("apt-get update", "apt-get", ["update"], { env, timeoutMs: 5 * 60_000 });
    await runLogged(`apt-get install ${need.join(" ")}`, "apt-get", ["install", "-y", "--no-install-recommends", ...need], { env, timeoutMs: 10 * 60_000 });
  }
  const version = run(DOCKER, ["--version"]).stdout.trim();
  if (!dockerOk()) {
    const log = join(cacheDir(), "image", "dockerd.log");
    mkdirSync(join(cacheDir(), "image"), { recursive: true });
    say(`  starting dockerd (log: ${log})`);
    // Detached: it stays up for the next run (idempotent); stop it with `kill $(pidof dockerd)`.
    spawn("sh", ["-c", `exec ${DOCKERD} --bridge=none --iptables=false --ip6tables=false >>${log} 2>&1`], { detached: true, stdio: "ignore" }).unref();
    const deadline = Date.now() + 60_000;
    while (!dockerOk()) {
      if (Date.now() > deadline) throw new Error(`dockerd did not answer within 60s; see ${log}:\n${readFileSync(log, "utf8").split("\n").slice(-15).join("\n")}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const server = run(DOCKER, ["version", "--format", "{{.Server.Version}}"]).stdout.trim();
  const root = run(DOCKER, ["info", "--format", "{{.DockerRootDir}}"]).stdout.trim() || "/var/lib/docker";
  const gb = freeGb(existsSync(root) ? root : "/");
  if (gb < NEED_FREE_GB && !imageExists(IMAGE)) throw new Error(`only ${gb.toFixed(1)} GB free under ${root}; the build needs about ${NEED_FREE_GB} GB`);
  return `${version}, server ${server}, ${gb.toFixed(0)} GB free under ${root}`;
}

// ---- 2. stand-in base images ----------------------------------------------------------------------

function imageExists(tag) {
  return run(DOCKER, ["image", "inspect", "--format", "{{.Id}}", tag]).status === 0;
}

/** The FROM tags of deploy/Dockerfile (tests/deploy-kit.test.ts pins the Dockerfile's stages). */
export function baseTags(dockerfile = readFileSync(join(ROOT, "deploy", "Dockerfile"), "utf8")) {
  return [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
}

function dockerBuildEnv() {
  return { ...process.env, DOCKER_BUILDKIT: "1" };
}

async function ensureDebian(tag) {
  if (imageExists(tag)) return `${tag} present`;
  const dir = join(cacheDir(), "image");
  const rootfs = join(dir, "rootfs");
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(rootfs, "etc", "debian_version"))) {
    rmSync(`${rootfs}.tmp`, { recursive: true, force: true });
    await runLogged("debootstrap", "debootstrap", ["--variant=minbase", "bookworm", `${rootfs}.tmp`, "http://deb.debian.org/debian"], { logFile: join(dir, "debootstrap.log"), timeoutMs: 15 * 60_000 });
    rmSync(rootfs, { recursive: true, force: true });
    run("mv", [`${rootfs}.tmp`, rootfs]);
  }
  // This machine's CA bundle, so TLS through an intercepting proxy works in the build stages.
  mkdirSync(join(rootfs, "etc", "ssl", "certs"), { recursive: true });
  writeFileSync(join(rootfs, "etc", "ssl", "certs", "ca-certificates.crt"), readFileSync(CA_BUNDLE));
  rmSync(join(rootfs, "var", "cache", "apt", "archives"), { recursive: true, force: true });
  mkdirSync(join(rootfs, "var", "cache", "apt", "archives", "partial"), { recursive: true });
  const tar = spawn("tar", ["-C", rootfs, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
  await runLogged(`docker import ${tag}`, DOCKER, ["import", "--change", `LABEL ${STAND_IN_LABEL}=debootstrap-minbase-bookworm`, "--change", 'CMD ["bash"]', "-", tag], { input: tar });
  return `${tag} imported from debootstrap`;
}

/** A stand-in FROM debian:bookworm-slim plus files of this machine, built from a tar context. */
async function ensureDerived(tag, { dockerfile, files, check }) {
  if (imageExists(tag)) return `${tag} present`;
  const problem = check();
  if (problem) throw new Error(problem);
  const ctx = mkdtempSync(join(tmpdir(), "pbops-standin-"));
  try {
    writeFileSync(join(ctx, "Dockerfile"), dockerfile);
    // tar -h: follow symlinks (this machine's node/go may be links into other directories).
    const args = ["-c", "-h", "-C", ctx, "Dockerfile"];
    for (const [dir, name] of files) args.push("-C", dir, name);
    const tar = spawn("tar", args, { stdio: ["ignore", "pipe", "inherit"] });
    await runLogged(`docker build ${tag}`, DOCKER, ["build", "--network", "host", "-t", tag, "-"], { input: tar, env: dockerBuildEnv() });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return `${tag} built`;
}

function nodeStandIn(tag) {
  const major = /^node:(\d+)/.exec(tag)?.[1];
  return ensureDerived(tag, {
    check: () => (process.versions.node.split(".")[0] !== major ? `${tag} is a stand-in from this machine's Node, which is ${process.version}, not ${major}.x` : !existsSync("/usr/lib/node_modules/npm") ? "npm is not in /usr/lib/node_modules/npm" : ""),
    files: [
      [join(process.execPath, ".."), "node"],
      ["/usr/lib/node_modules", "npm"],
    ],
    dockerfile: `FROM debian:bookworm-slim
LABEL ${STAND_IN_LABEL}=node-${process.version}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}
CMD ["node"]
`,
  });
}

function golangStandIn(tag) {
  const minor = /^golang:(\d+\.\d+)/.exec(tag)?.[1];
  const goroot = run("go", ["env", "GOROOT"]).stdout.trim();
  const version = run("go", ["env", "GOVERSION"]).stdout.trim();
  return ensureDerived(tag, {
    check: () => (!goroot ? "go is not on PATH" : !version.startsWith(`go${minor}`) ? `${tag} is a stand-in from this machine's Go, which is ${version}, not ${minor}` : ""),
    files: [[join(goroot, ".."), goroot.split("/").pop()]],
    dockerfile: `FROM debian:bookworm-slim
LABEL ${STAND_IN_LABEL}=${version}
COPY ${goroot.split("/").pop()} /usr/local/go
# As the official image: the go command does not switch toolchains unless told to.
ENV GOLANG_VERSION=${version.replace(/^go/, "")} GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN go version
WORKDIR /go
`,
  });
}

// ---- main ---------------------------------------------------------------------------------------

if (import.meta.url === `file://${process.argv[1]}`) {
  await step("docker", ensureDocker);
  for (const tag of [...new Set(baseTags())]) {
    if (tag.startsWith("debian:")) await step(`base ${tag}`, () => ensureDebian(tag));
  }
  for (const tag of [...new Set(baseTags())]) {
    if (tag.startsWith("node:")) await step(`base ${tag}`, () => nodeStandIn(tag));
    else if (tag.startsWith("golang:")) await step(`base ${tag}`, () => golangStandIn(tag));
    else if (!tag.startsWith("debian:")) fail(`deploy/Dockerfile uses ${tag}, which this script has no stand-in for`);
  }
  await step(`build ${IMAGE}`, async () => {
    // A rebuild leaves the previous image untagged; remove it so repeated runs do not pile up.
    const before = run(DOCKER, ["image", "inspect", "--format", "{{.Id}}", IMAGE]).stdout.trim();
    await runLogged("docker build", DOCKER, ["build", "--network", "host", "--progress", "plain", "-f", "deploy/Dockerfile", "-t", IMAGE, "."], {
      logFile: join(cacheDir(), "image", "build.log"),
      env: dockerBuildEnv(),
    });
    const after = run(DOCKER, ["image", "inspect", "--format", "{{.Id}}", IMAGE]).stdout.trim();
    if (before && before !== after) run(DOCKER, ["image", "rm", before]);
    const size = run(DOCKER, ["image", "inspect", "--format", "{{.Size}}", IMAGE]).stdout.trim();
    return `${IMAGE}, ${(Number(size) / 1024 ** 2).toFixed(0)} MiB`;
  });
  await step("test binaries (versitygw, Litestream, PocketBase as the suite builds them)", async () => {
    ensureNodeModules();
    const { ensurePocketBase } = await import("./binaries.mjs");
    await ensurePocketBase(POCKETBASE_NEWEST);
    for (const v of LITESTREAM_VERSIONS) if (v.startsWith("v0.5.")) await ensureGoBinary(BINARIES.litestream(v));
    await ensureGoBinary(BINARIES.versitygw());
    await build();
  });
  say("container checks (vitest tests/image/)");
  const started = Date.now();
  const res = spawnSync("npx", ["vitest", "run", "--config", "vitest.image.config.ts", ...process.argv.slice(2)], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, PBOPS_IMAGE: IMAGE, PBOPS_DOCKER: DOCKER },
  });
  timings["container checks"] = Date.now() - started;
  say(`timings: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ")}; total ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  if (res.status !== 0) fail(`container checks failed (vitest exit ${res.status})`);
  say("passed");
}
