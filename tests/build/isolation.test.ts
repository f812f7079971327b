// The build refuses a registration file whose handler would break inside PocketBase's isolated VM.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildHooks, compileHookFile, IsolationError } from "../../build.mjs";
import { findIsolationProblems } from "../../tools/isolation-check.mjs";
import { ROOT } from "../../toolkit/paths";

function hookFile(source: string, name = "app.pb.ts"): string {
  const dir = mkdtempSync(join(tmpdir(), "pbops-iso-"));
  writeFileSync(join(dir, name), source);
  return join(dir, name);
}

describe("build isolation check", () => {
  it("fails the build naming the handler and the outer variable it refers to", async () => {
    const file = hookFile(`const limit: number = 5;\nrouterAdd("GET", "/api/x", (e) => {\n  return e.json(200, { limit });\n});\n`);
    await expect(compileHookFile(file)).rejects.toThrow(IsolationError);
    await expect(compileHookFile(file)).rejects.toThrow(/app\.pb\.ts:3:\d+: routerAdd\("GET", "\/api\/x"\): handler refers to limit/);
  });

  it("fails the whole build (nothing half-written) through buildHooks", async () => {
    const src = mkdtempSync(join(tmpdir(), "pbops-iso-src-"));
    const out = mkdtempSync(join(tmpdir(), "pbops-iso-out-"));
    mkdirSync(join(src, "lib"));
    writeFileSync(join(src, "lib", "index.ts"), "export const x = 1;\n");
    writeFileSync(join(src, "good.pb.ts"), `routerAdd("GET", "/a", (e) => require(\`\${__hooks}/app/index.js\`).x);\n`);
    writeFileSync(
      join(src, "bad.pb.ts"),
      `import { x } from "./lib/index";\nrouterUse(new Middleware((e) => { x; return e.next(); }, -5, "mine"));\n`,
    );
    await expect(buildHooks({ libEntry: join(src, "lib", "index.ts"), libName: "app", hooksSrcDir: src, outDir: out })).rejects.toThrow(
      /bad\.pb\.ts:2:35: new Middleware\(-5, "mine"\): handler refers to x,/,
    );
  });

  it("catches helpers esbuild injects, async handlers and handlers passed by unknown name", () => {
    const problems = findIsolationProblems(
      [
        `var __toESM = (m) => m;`,
        `onRecordCreate((e) => { __toESM(e); e.next(); });`,
        `onBootstrap(async (e) => { e.next(); });`,
        `cronAdd("job", "* * * * *", someHandler);`,
      ].join("\n"),
    );
    expect(problems.map((p) => [p.handler, p.name])).toEqual([
      ["onRecordCreate()", "__toESM"],
      ["onBootstrap()", "async"],
      ['cronAdd("job", "* * * * *")', "someHandler"],
    ]);
  });

  it("accepts handlers that only use JSVM globals, their own locals and require", () => {
    const problems = findIsolationProblems(
      `routerAdd("GET", "/x", function (e) {\n  const lib = require(\`\${__hooks}/lib.js\`);\n  const n = Math.max(1, 2);\n  try { $app.logger().info("x"); } catch (err) { throw new BadRequestError(String(err)); }\n  return e.json(200, { n, v: lib.v, d: new Date().toISOString() });\n});\n`,
    );
    expect(problems).toEqual([]);
  });

  it("a top-level function declaration passed by name is checked like an inline handler", () => {
    const problems = findIsolationProblems(
      `const secret = "x";\nfunction handler(e) { return e.json(200, { secret }); }\nrouterAdd("GET", "/y", handler);\n`,
    );
    expect(problems.map((p) => p.name)).toEqual(["secret"]);
  });

  it("the shipped pb_ops.pb.js passes the check", () => {
    const built = readFileSync(join(ROOT, "pb_hooks", "pb_ops.pb.js"), "utf8");
    expect(findIsolationProblems(built)).toEqual([]);
    expect(built).toMatch(/routerAdd\("GET", "\/api\/ops\/health"/);
  });
});
