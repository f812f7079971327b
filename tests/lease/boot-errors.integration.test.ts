// Real PocketBase, both versions: a bad PB_LEASE* value (alone, or two that do not fit together)
// stops boot with exactly one line naming the variable, the value and the accepted form; the
// `pb-ops lease` console command exists and says when the lease is off.
import { describe, expect, it } from "vitest";
import { type BadValue, describeBadValues } from "../harness/boot";
import { POCKETBASE_VERSIONS, freePort, runPocketBase } from "../../toolkit/pocketbase";

const BAD_VALUES: BadValue[] = [
  ["PB_LEASE", "sometimes", /not a boolean/],
  ["PB_LEASE", "", /set but empty/],
  ["PB_LEASE_HEARTBEAT", "100ms", /out of range 500ms\.\.60000ms/],
  ["PB_LEASE_HEARTBEAT", "2", /not a duration/],
  ["PB_LEASE_TTL", "1s", /out of range 2000ms/],
  ["PB_LEASE_TTL", "4s", /must be more than 2 x PB_LEASE_HEARTBEAT \(2000ms\)/],
  ["PB_LEASE_HANDOFF_TIMEOUT", "2s", /out of range 5000ms/],
  ["PB_LEASE_TTLL", "60s", /did you mean PB_LEASE_TTL/],
];

describeBadValues(BAD_VALUES);

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it("a handoff timeout shorter than the TTL stops boot with one line naming the handoff timeout", () => {
    const res = runPocketBase(version, ["serve", "--http", "127.0.0.1:0"], {
      env: { PB_LEASE_TTL: "90s", PB_LEASE_HANDOFF_TIMEOUT: "60s" },
    });
    expect(res.status).toBe(1);
    const lines = (res.stdout + res.stderr).split("\n").filter((l) => l.trim() !== "");
    expect(lines).toEqual([
      expect.stringMatching(/pb-ops: invalid PB_LEASE_HANDOFF_TIMEOUT="60s": must be at least PB_LEASE_TTL \(90000ms\); expected /),
    ]);
  });

  it("good values boot, and `pocketbase pb-ops lease claim` without REPLICA_URL says the lease is off (exit 4)", () => {
    const ok = runPocketBase(version, ["migrate", "history-sync"], {
      env: { PB_LEASE_HEARTBEAT: "1s", PB_LEASE_TTL: "5s", PB_LEASE_HANDOFF_TIMEOUT: "30s" },
    });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    const cmd = runPocketBase(version, ["pb-ops", "lease", "claim"], {});
    expect(cmd.status, cmd.stdout + cmd.stderr).toBe(4);
    expect(cmd.stdout + cmd.stderr).toMatch(/pb-ops lease: disabled \(PB_LEASE=off or no REPLICA_URL\)/);
  });

  it("`pb-ops lease claim` with the bucket unreachable exits 1 with one FATAL line and no secret", async () => {
    const port = await freePort(); // nothing listens there
    const res = runPocketBase(version, ["pb-ops", "lease", "claim"], {
      env: {
        REPLICA_URL: `s3://bkt/app/data.db?endpoint=http://127.0.0.1:${port}&region=us-east-1&forcePathStyle=true`,
        LITESTREAM_ACCESS_KEY_ID: "AKIDLEASETEST0000000",
        LITESTREAM_SECRET_ACCESS_KEY: "lease-secret-never-shown-0000",
        POCKETBASE_DIR: "/tmp/pbops-lease-unused",
      },
    });
    expect(res.status).toBe(1);
    const lines = (res.stdout + res.stderr).split("\n").filter((l) => l.trim() !== "");
    expect(lines.filter((l) => l.includes("FATAL"))).toEqual([
      expect.stringMatching(
        /pb-ops lease: FATAL: cannot reach the replica bucket to take the lease \(unreachable: connection refused\); not starting/,
      ),
    ]);
    expect(res.stdout + res.stderr).not.toContain("lease-secret-never-shown");
  });
});
