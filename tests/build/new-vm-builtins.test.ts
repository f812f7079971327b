// The middleware bundles' top level runs again in every new VM (a throwaway one per request when the
// pool is exhausted), and goja builds a built-in in a VM the first time it is used there: a Set
// ~35 us, an Object.freeze or a regex literal ~15 us, a Map ~10 us (docs/performance.md, "Closer to
// the floor"). So neither bundle makes one at its top level; per-VM memos make their Map on their
// second lookup (src/memo/second-use.ts). main's bundles before session 5 had 20 and 27 such lines.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../toolkit/paths";

// A top-level declaration in esbuild's output starts at column 0.
const TOP_LEVEL_BUILTIN = /^(?:var|let|const) [A-Za-z_$][\w$]* = (?:\/\* @__PURE__ \*\/ )?(?:new (?:Set|Map)\(|Object\.freeze\(|\/[^*/])/gm;

describe("pb_ops/hot.js and hot-lean.js (built by npm test before this runs)", () => {
  it.each(["hot.js", "hot-lean.js"])("%s makes no Set, Map, RegExp or frozen object at its top level", (file) => {
    const code = readFileSync(join(ROOT, "pb_hooks/pb_ops", file), "utf8");
    expect(code).toContain("handleRequest");
    expect(code.match(TOP_LEVEL_BUILTIN) ?? []).toEqual([]);
  });

  it("the check finds such lines where they are (control)", () => {
    const sample =
      'var A = /* @__PURE__ */ new Set(["x"]);\nvar B = /^x$/;\nvar C = Object.freeze({});\nvar D = new Map();\nvar E = 1 / 2;\n  var F = new Set();\n';
    expect(sample.match(TOP_LEVEL_BUILTIN)).toHaveLength(4);
  });
});
