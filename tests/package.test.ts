// The npm package is publishable: it carries the bundles, the public typings and the build CLI,
// and nothing of the development setup (tests, caches, binaries, local data).
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./harness/paths";

let files: string[] = [];

beforeAll(() => {
  // What `prepack` does, run here explicitly so the listing below does not depend on lifecycle
  // scripts. pb_hooks/ is already built by the global setup: rebuilding it here would pull the
  // bundle from under integration tests copying pb_hooks/ at the same moment.
  execFileSync("npx", ["tsc", "-p", "tsconfig.dts.json"], { cwd: ROOT, stdio: "ignore" });
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" });
  files = (JSON.parse(out)[0].files as { path: string }[]).map((f) => f.path).sort();
}, 120_000);

describe("npm pack", () => {
  it("contains the hooks, the public typings, the build CLI and the docs", () => {
    for (const f of [
      "pb_hooks/pb_ops.pb.js",
      "pb_hooks/pb_ops/index.js",
      "dist/index.d.ts",
      "bin/pb-ops-build.mjs",
      "build.mjs",
      "tools/isolation-check.mjs",
      "tools/jsvm-globals.mjs",
      "docs/config.md",
      "README.md",
      "CHANGELOG.md",
      "LICENSE",
      "package.json",
    ]) {
      expect(files, f).toContain(f);
    }
  });

  it("leaves out tests, caches, binaries, typings copied from PocketBase and local data", () => {
    const forbidden = [/^tests\//, /^node_modules\//, /^types\//, /^pb_data\//, /^bench\//, /^scripts\//, /^\.ci\//, /^examples\/.*node_modules/, /\.vitest-report/, /pocketbase-v\d/, /litestream-v\d/, /\.tgz$/];
    const leaked = files.filter((f) => forbidden.some((re) => re.test(f)));
    expect(leaked).toEqual([]);
  });

  it("every file under dist/ is a declaration file", () => {
    expect(files.filter((f) => f.startsWith("dist/") && !f.endsWith(".d.ts"))).toEqual([]);
  });
});
