// Real PocketBase, both versions: the middleware bundle boot chooses (pb_ops/hot-lean.js for the
// default config) must be there, or every request would fail; boot stops with one line naming it.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { POCKETBASE_VERSIONS, prepareHooks, runPocketBase } from "../../toolkit/pocketbase";

function bootWith(version: string, breakBundle: (hooksDir: string) => void, args = ["serve", "--http", "127.0.0.1:0"]) {
  const hooksDir = prepareHooks();
  try {
    breakBundle(hooksDir);
    const res = runPocketBase(version, args, { hooksDir });
    return { ...res, hooksDir, lines: (res.stdout + res.stderr).split("\n").filter((l) => l.trim() !== "") };
  } finally {
    rmSync(hooksDir, { recursive: true, force: true });
  }
}

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it("a missing middleware bundle (hot-lean.js, chosen for the default config) stops boot with one line", () => {
    const res = bootWith(version, (dir) => rmSync(join(dir, "pb_ops", "hot-lean.js")));
    expect(res.status).toBe(1);
    expect(res.lines).toHaveLength(1);
    expect(res.lines[0]).toContain(`pb-ops: ${join(res.hooksDir, "pb_ops", "hot-lean.js")} not found: copy the whole pb_hooks/ folder`);
    expect(res.stdout).not.toContain("Server started");
  });

  it("with hot.js missing instead, the default config boots (control: it needs hot-lean.js only)", () => {
    const res = bootWith(version, (dir) => rmSync(join(dir, "pb_ops", "hot.js")), ["migrate", "history-sync"]);
    expect(res.stdout + res.stderr).not.toContain("not found: copy the whole pb_hooks/ folder");
    expect(res.status).toBe(0);
  });
});
