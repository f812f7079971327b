// An app team's whole path, from outside the repository: pb-ops installed from an `npm pack`
// tarball and from a git URL (no registry release needed), `npx pb-ops-build init` in an empty
// project, type-checked with TypeScript 5 and 7 (the native port, as `npm install typescript@7`
// gives it), built, and run next to pb-ops on both pinned PocketBase versions.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../toolkit/paths";
import { parseStdout } from "../harness/logs";
import { POCKETBASE_VERSIONS, pocketbaseBinary, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { waitFor } from "../../toolkit/wait";

const TSC = {
  5: join(ROOT, "node_modules", "typescript", "bin", "tsc"),
  // package.json: "typescript-7": "npm:typescript@^7" (the Go port; its launcher is still bin/tsc).
  7: join(ROOT, "node_modules", "typescript-7", "bin", "tsc"),
};
const NPM = ["--no-audit", "--no-fund", "--prefer-offline"];
const work = mkdtempSync(join(tmpdir(), "pbops-starter-"));
const app = join(work, "my-app");
let tarball = "";

function run(cmd: string, args: string[], cwd: string) {
  const res = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 300_000 });
  return { status: res.status, out: `${res.stdout ?? ""}${res.stderr ?? ""}` };
}

function newProject(dir: string, name: string) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true }, null, 2));
}

beforeAll(() => {
  // pb_hooks/ and dist/ are built by the global setup; --ignore-scripts packs exactly those.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: ROOT, encoding: "utf8" }),
  );
  tarball = join(work, packed[0].filename);
  newProject(app, "my-app");
  const res = run("npm", ["install", ...NPM, tarball], app);
  if (res.status !== 0) throw new Error(res.out);
}, 300_000);

describe("the starter (pb-ops installed from its npm pack tarball)", () => {
  it("init scaffolds a goja tsconfig, src/hooks, src/lib and PocketBase's typings, keeping existing files", () => {
    writeFileSync(join(app, ".gitignore"), "mine\n");
    const res = run("npx", ["pb-ops-build", "init"], app);
    expect(res.status, res.out).toBe(0);
    for (const f of ["tsconfig.json", "src/hooks/my-app.pb.ts", "src/lib/index.ts", "types/pocketbase.d.ts"])
      expect(existsSync(join(app, f)), f).toBe(true);
    expect(res.out).toContain("kept .gitignore (exists)");
    expect(readFileSync(join(app, ".gitignore"), "utf8")).toBe("mine\n");
    const tsconfig = readFileSync(join(app, "tsconfig.json"), "utf8");
    expect(tsconfig).toContain('"lib": ["ES2020"]');
    expect(tsconfig).toContain('"types": ["pb-ops/jsvm"]');
    expect(tsconfig).toContain('"strict": true');
    // The shipped copy of PocketBase's typings (no pb_data here): it declares $app and routerAdd.
    expect(readFileSync(join(app, "types/pocketbase.d.ts"), "utf8")).toMatch(/declare var \$app: PocketBase/);
  });

  it.each([5, 7] as const)("type-checks with TypeScript %i, and still catches a type error", (major) => {
    expect(run(process.execPath, [TSC[major], "--version"], app).out).toMatch(new RegExp(`^Version ${major}\\.`));
    const ok = run(process.execPath, [TSC[major], "--noEmit", "-p", "."], app);
    expect(ok.out).toBe("");
    expect(ok.status).toBe(0);
    // No DOM and no Node typings: goja has neither `window` nor `setTimeout`.
    const probe = join(app, "src", "lib", "probe.ts");
    writeFileSync(
      probe,
      "export const a: number = window.length;\nexport const b = setTimeout;\nexport const c: string = $app.settings().meta.appName;\n",
    );
    try {
      const bad = run(process.execPath, [TSC[major], "--noEmit", "-p", "."], app);
      expect(bad.status).not.toBe(0);
      expect(bad.out).toMatch(/probe\.ts\(1,26\): error TS2304: Cannot find name 'window'/);
      expect(bad.out).toMatch(/probe\.ts\(2,18\): error TS2304: Cannot find name 'setTimeout'/);
      expect(bad.out).not.toMatch(/probe\.ts\(3,/);
    } finally {
      execFileSync("rm", ["-f", probe]);
    }
  });

  it("builds with pb-ops-build: the app's hooks and library, plus pb-ops's", () => {
    const res = run("npx", ["pb-ops-build"], app);
    expect(res.status, res.out).toBe(0);
    for (const f of ["my-app.pb.js", "my-app/index.js", "pb_ops.pb.js", "pb_ops/index.js"])
      expect(existsSync(join(app, "pb_hooks", f)), f).toBe(true);
  });
});

describe.each(POCKETBASE_VERSIONS)("the starter's build on PocketBase %s", (version: string) => {
  let pb: RunningPocketBase;
  beforeAll(async () => {
    if (!existsSync(join(app, "pb_hooks", "my-app.pb.js"))) run("npx", ["pb-ops-build"], app);
    pb = await startPocketBase({ version, hooksFrom: join(app, "pb_hooks"), superuser: false });
  });
  afterAll(async () => pb?.stop());

  it("its route answers through pb-ops: headers, request id, its own limit (5/1m) and log line", async () => {
    const replies: Response[] = [];
    for (let i = 0; i < 6; i++) replies.push(await fetch(`${pb.url}/api/my-app/hello`));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await replies[0]!.json()).toEqual({ hello: "world" });
    expect(replies[0]!.headers.get("x-content-type-options")).toBe("nosniff");
    expect(replies[0]!.headers.get("ratelimit-policy")).toBe('"hello";q=5;w=60');
    const id = replies[0]!.headers.get("x-request-id")!;
    await waitFor(() => parseStdout(pb.stdout()).records.some((r) => r.msg === "hello" && r.requestId === id), 10_000, "hello line");
  });
});

describe("installed from a git URL (npm runs prepare: no PocketBase binary, no Go needed)", () => {
  const repo = join(work, "repo");
  const gitApp = join(work, "git-app");
  beforeAll(() => {
    // The working tree as a commit of its own, so the test installs what is on disk now.
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" })
      .split("\0")
      .filter(Boolean);
    for (const f of files) {
      if (!existsSync(join(ROOT, f))) continue;
      mkdirSync(dirname(join(repo, f)), { recursive: true });
      cpSync(join(ROOT, f), join(repo, f));
    }
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: repo, stdio: "pipe" });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "snapshot");
    newProject(gitApp, "git-app");
    const res = run("npm", ["install", ...NPM, `git+file://${repo}`], gitApp);
    if (res.status !== 0) throw new Error(res.out);
  }, 600_000);

  it("brings the bundles, the typings and the example; init takes PocketBase's typings from the user's binary", () => {
    const pkg = join(gitApp, "node_modules", "pb-ops");
    for (const f of [
      "pb_hooks/pb_ops.pb.js",
      "pb_hooks/pb_ops/index.js",
      "dist/index.d.ts",
      "dist/jsvm-runtime.d.ts",
      "examples/notes/src/lib/index.ts",
    ])
      expect(existsSync(join(pkg, f)), f).toBe(true);
    // Without a PocketBase binary at prepare time there is no shipped copy: init says what to do.
    expect(existsSync(join(pkg, "dist", "pocketbase.d.ts"))).toBe(false);
    const none = run("npx", ["pb-ops-build", "init"], gitApp);
    expect(none.status).toBe(1);
    expect(none.out).toContain(
      "no PocketBase typings found: run your PocketBase once (it writes pb_data/types.d.ts) and pass --from pb_data/types.d.ts, or pass --pocketbase ./pocketbase",
    );
    const res = run("npx", ["pb-ops-build", "init", "--pocketbase", pocketbaseBinary(POCKETBASE_VERSIONS[1]!)], gitApp);
    expect(res.status, res.out).toBe(0);
    const tsc = run(process.execPath, [TSC[5], "--noEmit", "-p", "."], gitApp);
    expect(tsc.out).toBe("");
    const built = run("npx", ["pb-ops-build"], gitApp);
    expect(built.status, built.out).toBe(0);
    expect(existsSync(join(gitApp, "pb_hooks", "git-app", "index.js"))).toBe(true);
  });
});
