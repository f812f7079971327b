// The build's output shape for a new VM (docs/performance.md, "What one request in a throwaway VM
// costs"): esbuild targets ES2020, which goja runs natively in both supported PocketBase versions,
// so nothing is lowered into helper functions a new VM would have to create; and pb_ops/hot.js is
// a plain script ending in one `module.exports = {...}`, without esbuild's interop helpers.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bundleLibrary, compileHookFile } from "../../build.mjs";
import { fetchJson } from "../../toolkit/http";
import { ROOT } from "../../toolkit/paths";
import { STORE } from "../../src/adapter/keys";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";

/** ES2018-ES2020 syntax that an ES2017 target lowered (object spread with helper functions). */
const SYNTAX_HOOK = `routerAdd("GET", "/t/syntax", (e) => {
  const base = { a: 1, b: 2 };
  const spread = { ...base, c: 3 };
  const { a, ...rest } = spread;
  let caught = "";
  try {
    JSON.parse("{");
  } catch {
    caught = "optional catch binding";
  }
  const missing: { deep?: { value?: number } } | null = null;
  return e.json(200, { spread, a, rest: Object.keys(rest), caught, chain: missing?.deep?.value ?? "default" });
});
`;

const HELPERS = /__spreadValues|__spreadProps|__objRest|__defNormalProp|__toCommonJS|__export\b|__copyProps/;

describe("build output", () => {
  it.each(["hot.js", "hot-lean.js"])(
    "pb_ops/%s (built by npm test) is a plain script: strict, one module.exports, no esbuild helpers",
    (file) => {
      const hot = readFileSync(join(ROOT, "pb_hooks/pb_ops", file), "utf8");
      expect(hot.startsWith('"use strict";\n')).toBe(true);
      expect(hot.endsWith("module.exports = { handleRequest, warmVm };\n")).toBe(true);
      expect(hot).not.toMatch(HELPERS);
      expect(hot).not.toMatch(/^(import|export)\b/m);
    },
  );

  it("the hook file's handlers load the bundle named under the store key boot writes", () => {
    const hook = readFileSync(join(ROOT, "pb_hooks/pb_ops.pb.js"), "utf8");
    const loads = hook.match(/require\(`\$\{__hooks\}\/pb_ops\/\$\{\$app\.store\(\)\.get\("([^"]+)"\) \|\| "hot\.js"\}`\)/g) ?? [];
    expect(loads).toHaveLength(2); // the middleware and the warm-up job
    for (const l of loads) expect(l).toContain(`"${STORE.hotFile}"`);
  });

  it("plain exports keep renamed and default exports", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pbops-plain-"));
    writeFileSync(
      join(dir, "a.ts"),
      "const inner = (x: number) => ({ ...{ x }, y: 2 });\nexport { inner as outer };\nexport const two = 2;\n",
    );
    const { code } = await bundleLibrary(join(dir, "a.ts"), join(dir, "out.js"), {}, { plainExports: true });
    expect(code).toMatch(/module\.exports = \{ (outer: inner, two|two, outer: inner) \};\n$/);
    expect(code).not.toMatch(HELPERS);
    const m = { exports: {} as Record<string, unknown> };
    new Function("module", "exports", code)(m, m.exports);
    expect((m.exports.outer as (x: number) => unknown)(1)).toEqual({ x: 1, y: 2 });
    expect(m.exports.two).toBe(2);
    writeFileSync(join(dir, "b.ts"), "export default function () { return 1; }\n");
    const b = await bundleLibrary(join(dir, "b.ts"), join(dir, "outb.js"), {}, { plainExports: true });
    const mb = { exports: {} as Record<string, unknown> };
    new Function("module", "exports", b.code)(mb, mb.exports);
    expect((mb.exports.default as () => number)()).toBe(1);
  });
});

describe.each(POCKETBASE_VERSIONS)("ES2020 output on PocketBase %s", (version: string) => {
  let pb: RunningPocketBase | undefined;
  afterEach(async () => {
    await pb?.stop();
    pb = undefined;
  });

  it("runs object spread and rest, optional catch binding, ?. and ?? as the build leaves them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pbops-target-"));
    writeFileSync(join(dir, "syntax.pb.ts"), SYNTAX_HOOK);
    const code = await compileHookFile(join(dir, "syntax.pb.ts"));
    // Left as written: no lowering, no helper.
    expect(code).toContain("...base");
    expect(code).toContain("?.");
    expect(code).toContain("??");
    expect(code).not.toMatch(HELPERS);
    pb = await startPocketBase({ version, superuser: false, withPbOps: false, extraHooks: { "syntax.pb.js": code } });
    const { status, body } = await fetchJson(`${pb.url}/t/syntax`);
    expect(status).toBe(200);
    expect(body).toEqual({ spread: { a: 1, b: 2, c: 3 }, a: 1, rest: ["b", "c"], caught: "optional catch binding", chain: "default" });
  });
});
