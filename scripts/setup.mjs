// First-run set-up shared by `npm start` and `npm test`: npm packages, pinned binaries, the build.
// Everything is reused when already present. Uses only Node built-ins until packages exist.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export function say(msg) {
  process.stderr.write(`[pb-ops setup] ${msg}\n`);
}

export function sh(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", ...opts });
  if (res.error) throw new Error(`${cmd}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${res.status}`);
}

/** npm ci when node_modules is missing or older than package-lock.json. */
export function ensureNodeModules() {
  const marker = join(ROOT, "node_modules", ".package-lock.json");
  const lock = join(ROOT, "package-lock.json");
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say("installing npm packages (npm ci)");
  sh("npm", ["ci", "--no-audit", "--no-fund"]);
}

export async function build(outDir) {
  const { buildPbOps } = await import("../build.mjs");
  const files = await buildPbOps(outDir);
  say(`built pb_hooks/pb_ops/index.js and ${files.map((f) => `pb_hooks/${f}`).join(", ")}`);
}
