// Real PocketBase, both versions: when pb-ops's library bundle cannot load (a partial copy of
// pb_hooks/, a truncated file), PocketBase stops at boot with exactly one line naming the file,
// instead of logging "Invalid module" and serving without pb-ops.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { POCKETBASE_VERSIONS, prepareHooks, runPocketBase } from "../../toolkit/pocketbase";

function bootWith(version: string, breakBundle: (hooksDir: string) => void) {
  const hooksDir = prepareHooks();
  try {
    breakBundle(hooksDir);
    const res = runPocketBase(version, ["serve", "--http", "127.0.0.1:0"], { hooksDir });
    return { ...res, hooksDir, lines: (res.stdout + res.stderr).split("\n").filter((l) => l.trim() !== "") };
  } finally {
    rmSync(hooksDir, { recursive: true, force: true });
  }
}

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it("a missing pb_ops/index.js stops boot with one line naming the file", () => {
    const res = bootWith(version, (dir) => rmSync(join(dir, "pb_ops"), { recursive: true }));
    expect(res.status).toBe(1);
    expect(res.lines).toHaveLength(1);
    expect(res.lines[0]).toContain(`pb-ops: cannot load ${join(res.hooksDir, "pb_ops", "index.js")}: file not found`);
    expect(res.stdout).not.toContain("Server started");
  });

  it("a bundle that throws while loading stops boot with one line naming the file and the error", () => {
    const res = bootWith(version, (dir) => writeFileSync(join(dir, "pb_ops", "index.js"), "module.exports = {\n  truncated"));
    expect(res.status).toBe(1);
    expect(res.lines).toHaveLength(1);
    expect(res.lines[0]).toContain(`pb-ops: cannot load ${join(res.hooksDir, "pb_ops", "index.js")}: `);
    expect(res.lines[0]).toMatch(/stopping rather than serving without pb-ops$/);
  });

  it("the intact bundle boots (control for the cases above)", () => {
    const res = runPocketBase(version, ["migrate", "history-sync"]);
    expect(res.stdout + res.stderr).not.toContain("pb-ops: cannot load");
    expect(res.status).toBe(0);
  });
});
