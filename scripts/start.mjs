#!/usr/bin/env node
// npm start: builds pb-ops and runs the pinned PocketBase with it on ./pb_data. PB_* variables in
// the environment configure pb-ops; extra arguments go to `pocketbase serve`.
//   PORT=8090 (default) npm start -- --dev
import { spawn } from "node:child_process";
import { join } from "node:path";
import { build, ensureNodeModules, ROOT, say } from "./setup.mjs";

ensureNodeModules();
const { ensurePocketBase } = await import("./binaries.mjs");
const { POCKETBASE_NEWEST } = await import("./versions.mjs");
const { buildAndSwap, claimDataDir, superuserHintFixer, waitHealthy } = await import("./instance.mjs");
const bin = await ensurePocketBase(POCKETBASE_NEWEST);

const host = process.env.HOST || "127.0.0.1";
const port = process.env.PORT || "8090";
const base = `http://${host}:${port}`;
const dataDir = join(ROOT, "pb_data");
// One instance per data dir: never rebuild pb_hooks/ under a running one.
const claim = claimDataDir(dataDir, base);
if (claim.holder) {
  say(`npm start (pid ${claim.holder.pid}) is already serving ./pb_data at ${claim.holder.url}: stop it first (pb_hooks/ is not rebuilt under a running PocketBase)`);
  process.exit(1);
}
// Built in a fresh folder and swapped in with one rename: never half-written.
await buildAndSwap(join(ROOT, "pb_hooks"), (dir) => build(dir));
say(`starting PocketBase ${POCKETBASE_NEWEST} with pb-ops on ./pb_data (a bad PB_* value stops it here)`);

// JS VM pool, as deploy/entrypoint.sh does: PocketBase reads --hooksPool before any hook runs.
// Default = src/pool/config.ts (tests/deploy-kit.test.ts keeps them in step); pb-ops validates the
// value at boot, so a value that is not plain digits is left for it to report in one line.
const hooksPool = process.env.PB_HOOKS_POOL ?? "240";
const poolArgs = /^\d{1,5}$/.test(hooksPool) ? ["--hooksPool", hooksPool] : [];

const child = spawn(
  bin,
  ["serve", "--http", `${host}:${port}`, "--dir", join(ROOT, "pb_data"), "--hooksDir", join(ROOT, "pb_hooks"), "--migrationsDir", join(ROOT, "pb_migrations"), ...poolArgs, ...process.argv.slice(2)],
  { stdio: ["inherit", "pipe", "inherit"] },
);
const hint = superuserHintFixer(dataDir);
child.stdout.on("data", (b) => process.stdout.write(hint.push(b.toString())));
child.stdout.on("end", () => process.stdout.write(hint.flush()));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// The URLs only once pb-ops answers: PocketBase has validated the config and is serving.
waitHealthy(`${base}/api/ops/health`, child).then(
  () => {
    say(`PocketBase ${POCKETBASE_NEWEST} with pb-ops is serving ./pb_data`);
    say(`  API:     ${base}/api/`);
    say(`  Health:  ${base}/api/ops/health`);
    say(`  Admin:   ${base}/_/`);
    say(`  First superuser: ${bin} superuser upsert EMAIL PASS --dir ${dataDir}`);
  },
  (err) => say(err.message),
);
