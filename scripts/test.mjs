#!/usr/bin/env node
// npm test: the whole suite from a fresh clone. Installs what it needs on first run (npm packages,
// pinned PocketBase binaries, JSVM typings), builds pb_hooks/, type-checks, runs every test, and
// ends with one line `tests: N passed, N failed, N skipped`.
import { readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { build, ensureNodeModules, ROOT, say, sh } from "./setup.mjs";

const started = Date.now();
ensureNodeModules();
const { ensureAllPocketBase } = await import("./binaries.mjs");
await ensureAllPocketBase();
await (await import("./binaries.mjs")).ensureBackupStack(); // Litestream v0.5/v0.3 and versitygw for tests/backup-*
const { ensureChromium } = await import("./chromium.mjs");
ensureChromium();
const { ensureTypings } = await import("./typings.mjs");
await ensureTypings();
await build();

say("type-checking src/ against the PocketBase typings and tests/ against Node's (tsc --noEmit, strict)");
sh("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"]);
sh("npx", ["tsc", "--noEmit", "-p", "tests/tsconfig.json"]);

const report = join(ROOT, ".vitest-report.json");
rmSync(report, { force: true });
const args = ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)];
const res = spawnSync("npx", args, { cwd: ROOT, stdio: "inherit" });

let summary = "tests: no report (vitest crashed?)";
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`;
  if (r.numTotalTests === 0) summary += " (no test ran)";
} catch {
  // keep the crash summary
}
console.log(`\nwall time ${Math.round((Date.now() - started) / 1000)}s`);
console.log(summary);
process.exit(res.status ?? 1);
