// `npm start`'s guards (scripts/instance.mjs): one instance per data dir, so a second `npm start`
// never rebuilds pb_hooks/ under the first; a build swapped in with one rename; and PocketBase's
// first-run superuser hint fixed to name the data dir, then run exactly as printed against the real
// binaries (without --dir it would write to a pb_data next to the binary).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildAndSwap, claimDataDir, superuserHintFixer } from "../../scripts/instance.mjs";
import { fetchJson } from "../../toolkit/http";

import { POCKETBASE_VERSIONS, SUPERUSER, startPocketBase } from "../../toolkit/pocketbase";
import { waitFor } from "../../toolkit/wait";

describe("one npm start per data dir", () => {
  it("a second claim sees the live holder; a claim left by a dead process is taken over", () => {
    const dir = mkdtempSync(join(tmpdir(), "pbops-claim-"));
    const first = claimDataDir(dir, "http://127.0.0.1:1");
    expect(first.holder).toBeUndefined();
    expect(claimDataDir(dir, "http://127.0.0.1:2").holder).toEqual({ pid: process.pid, url: "http://127.0.0.1:1" });
    first.release!();
    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
    writeFileSync(join(dir, ".pb-ops-start.pid"), JSON.stringify({ pid: Number(dead.stdout.trim()), url: "x" }));
    const again = claimDataDir(dir, "http://127.0.0.1:3");
    expect(again.holder).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dir, ".pb-ops-start.pid"), "utf8")).pid).toBe(process.pid);
    again.release!();
  });

  it("the build goes to a fresh folder and replaces the old one whole; a failed build leaves it as it was", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pbops-swap-"));
    const target = join(dir, "pb_hooks");
    mkdirSync(target);
    writeFileSync(join(target, "old.pb.js"), "old");
    await expect(
      buildAndSwap(target, async () => {
        throw new Error("isolation");
      }),
    ).rejects.toThrow("isolation");
    expect(readFileSync(join(target, "old.pb.js"), "utf8")).toBe("old");
    await buildAndSwap(target, async (next: string) => {
      expect(next).not.toBe(target);
      mkdirSync(next);
      writeFileSync(join(next, "new.pb.js"), "new");
    });
    expect(existsSync(join(target, "old.pb.js"))).toBe(false);
    expect(readFileSync(join(target, "new.pb.js"), "utf8")).toBe("new");
  });
});

describe.each(POCKETBASE_VERSIONS)("PocketBase %s's superuser hint", (version: string) => {
  it("gets --dir, and the command as printed creates a superuser who can sign in to that instance", async () => {
    const pb = await startPocketBase({ version, superuser: false });
    try {
      await waitFor(() => pb.stdout().includes("superuser upsert EMAIL PASS"), 10_000, "PocketBase's superuser hint");
      const fixer = superuserHintFixer(pb.dataDir);
      // Fed in odd-sized chunks, as a pipe delivers them.
      const raw = pb.stdout();
      let fixed = "";
      for (let i = 0; i < raw.length; i += 7) fixed += fixer.push(raw.slice(i, i + 7));
      fixed += fixer.flush();
      const line = fixed.split("\n").find((l) => l.includes("superuser upsert"))!;
      expect(line).toMatch(new RegExp(`superuser upsert EMAIL PASS --dir ${pb.dataDir}\\)$`));
      expect(fixed.split("\n").filter((l) => !l.includes("superuser upsert"))).toEqual(
        raw.split("\n").filter((l) => !l.includes("superuser upsert")),
      );
      const cmd = /running: (\S+) superuser upsert EMAIL PASS (--dir \S+)\)$/.exec(line)!;
      const res = spawnSync(cmd[1]!, ["superuser", "upsert", SUPERUSER.email, SUPERUSER.password, ...cmd[2]!.split(" ")], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "" },
      });
      expect(res.status, res.stdout + res.stderr).toBe(0);
      const auth = await fetchJson(`${pb.url}/api/collections/_superusers/auth-with-password`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ identity: SUPERUSER.email, password: SUPERUSER.password }),
      });
      expect(auth.status).toBe(200);
    } finally {
      await pb.stop();
    }
  });
});
