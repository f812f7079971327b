#!/usr/bin/env node
// npm test: the whole suite from a fresh clone. Installs what it needs on first run (npm packages,
// pinned binaries, Chromium, JSVM typings), builds pb_hooks/, type-checks, runs every test, and
// ends with one line `tests: N passed, N failed, N skipped`.
//
// Three vitest runs: everything else in parallel, then the timing-sensitive tests (rates, lags,
// recovery windows measured in wall-clock time) one file at a time, so a busy neighbour on 2 cores
// cannot starve the clock they measure, then the container image checks (npm run test:image: Docker
// installed and started on first run, the image built from deploy/Dockerfile and run on loopback).
// `npm test -- <args>` runs vitest once with your args.
import { readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { build, ensureNodeModules, ROOT, say, sh } from "./setup.mjs";

/** Tests whose assertions are about elapsed time. */
export const SERIAL_TESTS = [
  "tests/ratelimit/concurrency.integration.test.ts",
  "tests/backup/faults.integration.test.ts",
  "tests/deploy/drill.integration.test.ts",
  "tests/deploy/lease.integration.test.ts",
  "tests/deploy/lease-verify.integration.test.ts",
  "tests/admin/timing.integration.test.ts",
  "tests/alert/alerts.integration.test.ts",
];

const started = Date.now();
ensureNodeModules();
const { ensureAllPocketBase, ensureBackupStack } = await import("./binaries.mjs");
await ensureAllPocketBase();
await ensureBackupStack();
const { ensureChromium, ensureSqlite3 } = await import("./chromium.mjs");
ensureChromium();
ensureSqlite3();
const { ensureTypings } = await import("./typings.mjs");
await ensureTypings();
await build();

say("type-checking src/ against the PocketBase typings and tests/ against Node's (tsc --noEmit, strict)");
sh("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"]);
sh("npx", ["tsc", "--noEmit", "-p", "tests/tsconfig.json"]);
// Format and lint, import cycles as errors (biome.jsonc), then exports and dependencies nobody
// uses (knip.json).
say("linting (biome check: format, rules and import cycles; knip: unused exports, files and dependencies)");
sh("npx", ["biome", "check", "--error-on-warnings", "."]);
sh("npx", ["knip"]);

/** Runs `cmd` (a vitest run, or a script that ends in one) with vitest's JSON reporter writing
 * .vitest-report<name>.json, and returns its exit status and that report (null if none came). */
function reported(name, cmd, args) {
  const report = join(ROOT, `.vitest-report${name}.json`);
  rmSync(report, { force: true });
  const res = spawnSync(cmd, [...args, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], {
    cwd: ROOT,
    stdio: "inherit",
  });
  try {
    return { status: res.status ?? 1, report: JSON.parse(readFileSync(report, "utf8")) };
  } catch {
    return { status: res.status || 1, report: null };
  }
}

function vitest(name, args) {
  return reported(name, "npx", ["vitest", "run", ...args]);
}

/** The container image checks (tests/image/): scripts/test-image.mjs installs Docker, builds the
 * stand-in bases and the image, then runs vitest with these arguments. */
function imageTests() {
  return reported("-image", "node", ["scripts/test-image.mjs"]);
}

/** Says what runs next, then runs it. */
function phase(what, run) {
  say(what);
  return run();
}

const userArgs = process.argv.slice(2);
const runs = userArgs.length
  ? [vitest("", userArgs)]
  : [
      vitest(
        "",
        SERIAL_TESTS.flatMap((f) => ["--exclude", f]),
      ),
      phase("timing-sensitive tests, one file at a time", () => vitest("-serial", ["--no-file-parallelism", ...SERIAL_TESTS])),
      phase("the container image: deploy/Dockerfile built and run (npm run test:image)", imageTests),
    ];

const total = { passed: 0, failed: 0, skipped: 0, all: 0 };
let crashed = false;
for (const r of runs) {
  if (!r.report) {
    crashed = true;
    continue;
  }
  total.passed += r.report.numPassedTests;
  total.failed += r.report.numFailedTests;
  total.skipped += r.report.numPendingTests + r.report.numTodoTests;
  total.all += r.report.numTotalTests;
}
let summary = `tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`;
if (crashed) summary += " (a vitest run produced no report)";
if (total.all === 0) summary += " (no test ran)";
console.log(`\nwall time ${Math.round((Date.now() - started) / 1000)}s`);
console.log(summary);
process.exit(runs.every((r) => r.status === 0) && !crashed ? 0 : 1);
