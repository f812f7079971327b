// pb-ops-build refuses what would break at run time in PocketBase, before writing anything: a
// value import of pb-ops (a second, unconfigured copy bundled, or require("pb-ops") in a hook
// file), a write over one of its inputs, a require of a path the hooks dir will not hold. Errors
// name the .ts file, line and column and the names as written (through esbuild's source maps).
// A plain-JS app gets pb-ops beside its own hooks, which stay byte-identical.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../toolkit/paths";

const CLI = join(ROOT, "bin", "pb-ops-build.mjs");

/** A project folder holding `files` (path -> text). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pbops-refuse-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", version: "1.0.0" }));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

function build(dir: string, args: string[] = []) {
  const res = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: "utf8" });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Every file under dir with its sha256, for byte-for-byte comparisons. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

const GOOD_HOOK = 'routerAdd("GET", "/api/app/hi", (e) => require(`${__hooks}/app/index.js`).hi(e));\n';

describe("value imports of pb-ops", () => {
  it("a value import in the library fails the build at its .ts line, saying to use the require form", () => {
    const dir = project({
      "src/hooks/app.pb.ts": GOOD_HOOK,
      "src/lib/index.ts":
        'import type * as PbOps from "pb-ops";\nimport { rateLimit } from "pb-ops";\nexport function hi(e: any) { rateLimit(e, "x", "1/1m"); }\n',
    });
    const res = build(dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('src/lib/index.ts:2:27: value import from "pb-ops" would bundle a second copy of pb-ops');
    expect(res.stderr).toContain("require(`${__hooks}/pb_ops/index.js`)");
    expect(existsSync(join(dir, "pb_hooks"))).toBe(false);
  });

  it("a subpath or a file of the pb-ops package is refused the same way", () => {
    const dir = project({
      "src/hooks/app.pb.ts": GOOD_HOOK,
      "src/lib/index.ts": `import { log } from ${JSON.stringify(join(ROOT, "src", "adapter", "log"))};\nexport function hi() { log.info("x"); }\n`,
    });
    const res = build(dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(
      /src\/lib\/index\.ts: imports \S*src\/adapter\/log\.ts, a file of the pb-ops package: value import from "pb-ops"/,
    );
    const sub = project({ "src/hooks/app.pb.ts": GOOD_HOOK, "src/lib/index.ts": 'export { VERSION } from "pb-ops/build";\n' });
    expect(build(sub).stderr).toContain('src/lib/index.ts:1:25: value import from "pb-ops/build"');
  });

  it("a value import in a hook file is refused; a type import builds", () => {
    const bad = project({
      "src/hooks/app.pb.ts": 'import { log } from "pb-ops";\nlog;\n' + GOOD_HOOK,
      "src/lib/index.ts": "export function hi() {}\n",
    });
    const res = build(bad);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('src/hooks/app.pb.ts:1:21: value import from "pb-ops"');
    const good = project({
      "src/hooks/app.pb.ts": GOOD_HOOK,
      "src/lib/index.ts":
        'import type * as PbOps from "pb-ops";\nconst ops = (): typeof PbOps => require(`${__hooks}/pb_ops/index.js`);\nexport function hi(e: any) { ops().rateLimit(e, "x", "1/1m"); }\n',
    });
    const ok = build(good);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(readFileSync(join(good, "pb_hooks", "app", "index.js"), "utf8")).not.toContain("TooManyRequestsError");
  });
});

describe("isolation errors name the source", () => {
  it("file.ts:line:col and the imported name as written, not esbuild's import_lib", () => {
    const dir = project({
      "src/hooks/app.pb.ts":
        'import { hi as greet } from "../lib/index";\n\nconst word: string = "x";\nrouterAdd("GET", "/api/x", (e) => {\n  greet(e);\n  return e.json(200, { word });\n});\n',
      "src/lib/index.ts": "export function hi() {}\n",
    });
    const res = build(dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('src/hooks/app.pb.ts:5:3: routerAdd("GET", "/api/x"): handler refers to greet,');
    expect(res.stderr).toContain('src/hooks/app.pb.ts:6:24: routerAdd("GET", "/api/x"): handler refers to word,');
    expect(res.stderr).not.toContain("import_lib");
  });

  it("a require of a path the hooks dir will not hold fails with that path", () => {
    const dir = project({
      "src/hooks/app.pb.ts": 'routerAdd("GET", "/y", (e) => require(`${__hooks}/aap/index.js`).hi(e));\n',
      "src/lib/index.ts": "export function hi() {}\n",
    });
    const res = build(dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/src\/hooks\/app\.pb\.ts:1:31: requires \$\{__hooks\}\/aap\/index\.js, which this build does not produce/);
  });
});

describe("inputs are never written over", () => {
  it("--hooks pointing at the hooks dir itself is refused and the user's files stay byte-identical", () => {
    const dir = project({
      "pb_hooks/main.pb.js": "// mine, with comments\nrouterAdd('GET', '/hi', (e) => e.json(200, {a: 1}))  // keep\n",
    });
    const before = snapshot(dir);
    const res = build(dir, ["--hooks", "pb_hooks"]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("refusing to write over an input: pb_hooks/main.pb.js");
    expect(snapshot(dir)).toEqual(before);
  });

  it("library sources inside the folder the build replaces are refused", () => {
    const dir = project({ "src/hooks/app.pb.ts": GOOD_HOOK, "out/app/index.ts": "export function hi() {}\n" });
    const before = snapshot(dir);
    const res = build(dir, ["--lib", "out/app/index.ts", "--out", "out"]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("refusing to write over an input: out/app/index.ts");
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("JS-only mode", () => {
  it("adds pb_ops.pb.js and pb_ops/ beside the user's JS hooks, which stay byte-identical", () => {
    const dir = project({
      "pb_hooks/main.pb.js": "// my hooks\nrouterAdd('GET', '/hi', (e) => e.json(200, {a: 1}))  // a comment esbuild would drop\n",
      "pb_hooks/lib/util.js": "module.exports = { x: 1 };\n",
      "pb_hooks/pb_ops.pb.js.orig": "not ours to touch\n",
    });
    const before = snapshot(dir);
    const res = build(dir);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("beside your 3 own file(s), which were not touched");
    const after = snapshot(dir);
    for (const [f, hash] of Object.entries(before)) expect(after[f], f).toBe(hash);
    expect(
      Object.keys(after)
        .filter((f) => !(f in before))
        .sort(),
    ).toEqual(["pb_hooks/pb_ops.pb.js", "pb_hooks/pb_ops/hot-lean.js", "pb_hooks/pb_ops/hot.js", "pb_hooks/pb_ops/index.js"]);
  });

  it("an explicit --hooks folder that does not exist is an error, not JS-only mode", () => {
    const res = build(project({}), ["--hooks", "hooks"]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("--hooks hooks: no such folder");
  });
});
