// Real PocketBase, both versions: the middleware bundle boot chooses (pb_ops/hot-lean.js for the
// default config) must be there, or every request would fail; boot stops with one line naming it.
// And a lean bundle made to run a stage it was built without fails closed: no request passes unlimited.
import { copyFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../toolkit/paths";
import { POCKETBASE_VERSIONS, prepareHooks, runPocketBase, startPocketBase } from "../../toolkit/pocketbase";

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

  it.each([
    ["the lean bundle in hot.js's place: the rate limiter it lacks fails every request instead of being skipped", true],
    ["control: the real hot.js limits and answers", false],
  ])("PB_RATE_LIMIT on, %s", async (_name, lean) => {
    const from = mkdtempSync(join(tmpdir(), "pbops-lean-"));
    cpSync(join(ROOT, "pb_hooks"), from, { recursive: true });
    if (lean) copyFileSync(join(from, "pb_ops", "hot-lean.js"), join(from, "pb_ops", "hot.js"));
    // Ready when Go serves (the mux probe runs no JS): health itself fails with the lean bundle.
    const pb = await startPocketBase({ version, superuser: false, hooksFrom: from, readyProbe: "mux", env: { PB_RATE_LIMIT: "100/1s" } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${pb.url}/api/health`)).status);
      if (lean) expect(statuses.filter((s) => s < 300)).toEqual([]);
      else expect(statuses).toEqual([200, 200, 200]);
    } finally {
      await pb.stop();
      rmSync(from, { recursive: true, force: true });
    }
  });
});
