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
const bin = await ensurePocketBase(POCKETBASE_NEWEST);
await build();

const host = process.env.HOST || "127.0.0.1";
const port = process.env.PORT || "8090";
const base = `http://${host}:${port}`;
say(`PocketBase ${POCKETBASE_NEWEST} with pb-ops on ./pb_data`);
say(`  API:     ${base}/api/`);
say(`  Health:  ${base}/api/ops/health`);
say(`  Admin:   ${base}/_/  (first run: create the superuser from the link PocketBase prints)`);

// JS VM pool, as deploy/entrypoint.sh does: PocketBase reads --hooksPool before any hook runs.
// Default = src/pool/config.ts (tests/deploy-kit.test.ts keeps them in step); pb-ops validates the
// value at boot, so a value that is not plain digits is left for it to report in one line.
const hooksPool = process.env.PB_HOOKS_POOL ?? "240";
const poolArgs = /^\d{1,5}$/.test(hooksPool) ? ["--hooksPool", hooksPool] : [];

const child = spawn(
  bin,
  ["serve", "--http", `${host}:${port}`, "--dir", join(ROOT, "pb_data"), "--hooksDir", join(ROOT, "pb_hooks"), "--migrationsDir", join(ROOT, "pb_migrations"), ...poolArgs, ...process.argv.slice(2)],
  { stdio: "inherit" },
);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
