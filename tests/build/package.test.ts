// The npm package is publishable: it carries the bundles, the public typings and the build CLI,
// and nothing of the development setup (tests, caches, binaries, local data).
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../toolkit/paths";

let files: string[] = [];

beforeAll(() => {
  // What `prepack` builds (pb_hooks/ and dist/) is built once by the global setup; rebuilding it
  // here would pull files from under integration tests reading them at the same moment.
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" });
  files = (JSON.parse(out)[0].files as { path: string }[]).map((f) => f.path).sort();
}, 120_000);

describe("npm pack", () => {
  it("contains the hooks, the public typings, the JSVM globals, the build CLI, the starter, the example and the docs", () => {
    for (const f of [
      "pb_hooks/pb_ops.pb.js",
      "pb_hooks/pb_ops/index.js",
      "dist/index.d.ts",
      "dist/jsvm-runtime.d.ts",
      "dist/pocketbase.d.ts",
      "tools/starter.mjs",
      "tools/sourcemap.mjs",
      "examples/notes/src/hooks/notes.pb.ts",
      "examples/notes/src/lib/index.ts",
      "examples/notes/broken/leaky.pb.ts",
      "examples/notes/package.json",
      "examples/notes/tsconfig.json",
      "examples/notes/README.md",
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
    const forbidden = [
      /^tests\//,
      /^node_modules\//,
      /^types\//,
      /^pb_data\//,
      /^bench\//,
      /^scripts\//,
      /^\.ci\//,
      /^examples\/.*node_modules/,
      /^examples\/.*pb_hooks\//,
      /^examples\/[^/]+\/types\//,
      /\.vitest-report/,
      /pocketbase-v\d/,
      /litestream-v\d/,
      /\.tgz$/,
    ];
    const leaked = files.filter((f) => forbidden.some((re) => re.test(f)));
    expect(leaked).toEqual([]);
  });

  it("every file under dist/ is a declaration file", () => {
    expect(files.filter((f) => f.startsWith("dist/") && !f.endsWith(".d.ts"))).toEqual([]);
  });
});
