// deploy/entrypoint.sh passes PB_HOOKS_POOL to PocketBase as --hooksPool (PocketBase reads the flag
// before any hook runs), with the kit's default when unset; pb-ops judges the value at boot. Run
// without a replica (PocketBase alone), the pinned PocketBase the Dockerfile builds, on loopback.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DEFAULT_HOOKS_POOL } from "../../src/pool/config";
import { EntrypointFixtures, entrypointEnv, runToExit, serveProcess } from "../../toolkit/entrypoint";
import { fetchJson } from "../../toolkit/http";

const fx = new EntrypointFixtures();

afterEach(() => fx.stopRuns());
afterAll(() => fx.removeSites());

async function poolOf(extra: Record<string, string>) {
  const s = await fx.site();
  const run = fx.start(entrypointEnv(s, undefined, extra));
  await run.waitHealthy(s.url);
  const { argv } = serveProcess(run);
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
    const s = await fx.site();
    const { code, output } = await runToExit(entrypointEnv(s, undefined, { PB_HOOKS_POOL: value }), 20_000);
    expect(code).toBe(1);
    // The entrypoint wraps every output line in a JSON log line; the message is pb-ops's one line.
    const msgs = output.split("\n").map((l) => {
      try {
        return String(JSON.parse(l).msg);
      } catch {
        return l;
      }
    });
    const lines = msgs.filter((m) => m.includes("PB_HOOKS_POOL"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`invalid PB_HOOKS_POOL=${JSON.stringify(value)}`);
    expect(lines[0]).toContain("expected an integer from 1 to 2000");
  });
});
