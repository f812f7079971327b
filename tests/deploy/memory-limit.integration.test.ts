// deploy/entrypoint.sh sets GOMEMLIMIT to 3/4 of the container's memory limit unless it is set, so
// Go's GC holds PocketBase's heap under the container's memory instead of growing to 3x the live heap
// (the image's GOGC=200). Run without a replica (PocketBase alone) on loopback; CGROUP_MEMORY_FILES
// stands in for /sys/fs/cgroup, which tests/image/container.test.ts checks for real under
// `docker run --memory`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { EntrypointFixtures, entrypointEnv, runToExit, serveProcess } from "../../toolkit/entrypoint";

const fx = new EntrypointFixtures();
const dir = mkdtempSync(join(tmpdir(), "pbops-cgroup-"));

afterEach(() => fx.stopRuns());
afterAll(() => {
  fx.removeSites();
  rmSync(dir, { recursive: true, force: true });
});

/** A stand-in cgroup file holding `content`. */
function cgroupFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${content}\n`);
  return path;
}

/** Starts the entrypoint; PocketBase's GOMEMLIMIT (from its environment) and the entrypoint's lines. */
async function started(extra: Record<string, string>) {
  const s = await fx.site();
  const run = fx.start(entrypointEnv(s, undefined, extra));
  await run.waitHealthy(s.url);
  const limit = serveProcess(run)
    .env.find((v) => v.startsWith("GOMEMLIMIT="))
    ?.slice("GOMEMLIMIT=".length);
  return { limit, lines: run.lines().filter((l) => l.includes("GOMEMLIMIT")) };
}

describe("entrypoint: GOMEMLIMIT from the container's memory limit", () => {
  it("a 1 GiB cgroup v2 limit: PocketBase runs with GOMEMLIMIT=768MiB and the entrypoint says why", async () => {
    const { limit, lines } = await started({ CGROUP_MEMORY_FILES: cgroupFile("v2-1g", "1073741824") });
    expect(limit).toBe("768MiB");
    expect(lines).toEqual([expect.stringMatching(/GOMEMLIMIT=768MiB: 3\/4 of this container's memory limit \(1024 MiB\)/)]);
  });

  it("the first readable file counts (v2 missing, a 512 MiB v1 limit): 384MiB", async () => {
    const { limit } = await started({ CGROUP_MEMORY_FILES: `${join(dir, "absent")} ${cgroupFile("v1-512m", "536870912")}` });
    expect(limit).toBe("384MiB");
  });

  it.each([
    ["cgroup v2 without a limit", "max"],
    ["cgroup v1 without a limit", "9223372036854771712"],
  ])("%s: no GOMEMLIMIT, no line", async (name, content) => {
    const { limit, lines } = await started({ CGROUP_MEMORY_FILES: cgroupFile(name.replace(/\W/g, "-"), content) });
    expect(limit).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it.each([["300MiB"], ["off"]])("GOMEMLIMIT=%s set by the operator is kept as it is", async (value) => {
    const { limit, lines } = await started({ GOMEMLIMIT: value, CGROUP_MEMORY_FILES: cgroupFile("v2-1g-kept", "1073741824") });
    expect(limit).toBe(value);
    expect(lines).toEqual([]);
  });

  it.each([["768MB"], ["768Mi"], [""], ["1.5GiB"]])("GOMEMLIMIT=%j stops the container with one FATAL line", async (value) => {
    const s = await fx.site();
    const { code, lines } = await runToExit(entrypointEnv(s, undefined, { GOMEMLIMIT: value }), 20_000);
    expect(code).toBe(1);
    const named = lines.filter((l) => l.includes("GOMEMLIMIT"));
    expect(named).toEqual([
      `entrypoint: FATAL: GOMEMLIMIT=${JSON.stringify(value)} is not a Go memory limit; expected off or a byte count with an optional unit B, KiB, MiB, GiB or TiB (e.g. 768MiB)`,
    ]);
  });
});
