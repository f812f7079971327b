// deploy/entrypoint.sh passes PB_HOOKS_POOL to PocketBase as --hooksPool (PocketBase reads the flag
// before any hook runs), with the kit's default when unset; pb-ops judges the value at boot. Run
// without a replica (PocketBase alone), the pinned PocketBase the Dockerfile builds, on loopback.
import { readFileSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DEFAULT_HOOKS_POOL } from "../src/pool/config";
import { EntrypointRun, entrypointEnv, newSite, removeSite, runToExit, type Site } from "./harness/entrypoint";
import { fetchJson } from "./harness/http";

const sites: Site[] = [];
const runs: EntrypointRun[] = [];

async function site(): Promise<Site> {
  const s = await newSite();
  sites.push(s);
  return s;
}

afterEach(async () => {
  for (const r of runs.splice(0)) await r.cleanup();
});
afterAll(() => {
  for (const s of sites) removeSite(s);
});

async function poolOf(extra: Record<string, string>) {
  const s = await site();
  const run = new EntrypointRun(entrypointEnv(s, undefined, extra));
  runs.push(run);
  await run.waitHealthy(s.url);
  // The entrypoint runs PocketBase as its child.
  const children = readFileSync(`/proc/${run.child.pid}/task/${run.child.pid}/children`, "utf8").trim().split(/\s+/);
  const argv = children.map((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).find((a) => a.includes("serve"))!;
  const { body } = await fetchJson(`${s.url}/api/ops/health`);
  return { argv, pool: body.pool };
}

describe("entrypoint: the VM pool", () => {
  it("unset: PocketBase runs with the kit's default pool", async () => {
    const { argv, pool } = await poolOf({});
    expect(argv).toEqual(expect.arrayContaining(["--hooksPool", String(DEFAULT_HOOKS_POOL)]));
    expect(pool.size).toBe(DEFAULT_HOOKS_POOL);
  });

  it("PB_HOOKS_POOL=32: PocketBase runs with 32", async () => {
    const { argv, pool } = await poolOf({ PB_HOOKS_POOL: "32" });
    expect(argv).toEqual(expect.arrayContaining(["--hooksPool", "32"]));
    expect(pool.size).toBe(32);
  });

  it.each([["lots"], ["0"], ["9999999"]])("PB_HOOKS_POOL=%j stops the container with pb-ops's one line", async (value) => {
    const s = await site();
    const { code, output } = await runToExit(entrypointEnv(s, undefined, { PB_HOOKS_POOL: value }), 20_000);
    expect(code).toBe(1);
    // The entrypoint wraps every output line in a JSON log line; the message is pb-ops's one line.
    const msgs = output.split("\n").map((l) => { try { return String(JSON.parse(l).msg); } catch { return l; } });
    const lines = msgs.filter((m) => m.includes("PB_HOOKS_POOL"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`invalid PB_HOOKS_POOL=${JSON.stringify(value)}`);
    expect(lines[0]).toContain("expected an integer from 1 to 2000");
  });
});
