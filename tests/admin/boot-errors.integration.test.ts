// Real PocketBase, both versions: a bad value of each admin variable stops boot with one line that
// names the variable and the accepted form; secret values are shown as [redacted].
import { describe, expect, it } from "vitest";
import { type BadValue, describeBadValues } from "../harness/boot";
import { POCKETBASE_VERSIONS, runPocketBase } from "../../toolkit/pocketbase";

const BAD_VALUES: BadValue[] = [
  ["PB_ADMIN_PATH", "admin", /must start with \//],
  ["PB_ADMIN_PATH", "/admin", /too short/],
  ["PB_ADMIN_PATH", "/my-secret-admin-dashboard", /guessable/],
  ["PB_ADMIN_PATH", "/api/k7Qm2vX9pL4wR8tZ3nB6", /collides/],
  ["PB_ADMIN_PATH", "/_/k7Qm2vX9pL4wR8tZ3nB6", /collides/],
  ["PB_ADMIN_PATH", "", /set but empty/],
  ["PB_ADMIN_ALLOW_IPS", "10.0.0.1/8", /host bits set/],
  ["PB_ADMIN_ALLOW_IPS", "office", /not an IP address or CIDR/],
  ["PB_ADMIN_ALLOW_IPS", "10.0.0.0/8,,::1", /empty item/],
  ["PB_ADMIN_GATE_TTL", "forever", /not a duration/],
  ["PB_ADMIN_GATE_TTL", "90d", /out of range/],
  ["PB_OPS_SECRET", "hunter2xyz", /too short/],
  ["PB_ENCRYPTION_COOKIE_SECURE", "maybe", /expected a boolean/],
  ["PB_ADMIN_PATHS", "/k7Qm2vX9pL4wR8tZ3nB6", /did you mean PB_ADMIN_PATH/],
];

describeBadValues(BAD_VALUES);

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it("good values boot (control for the cases above)", () => {
    const res = runPocketBase(version, ["migrate", "history-sync"], {
      env: {
        PB_ADMIN_PATH: "/k7Qm2vX9pL4wR8tZ3nB6",
        PB_ADMIN_ALLOW_IPS: "10.0.0.0/8,::1",
        PB_ADMIN_GATE_TTL: "1h",
        PB_OPS_SECRET: "x".repeat(8) + "0123456789abcdefghijklmnopqrstuv",
      },
    });
    expect(res.status).toBe(0);
  });
});
