// Real PocketBase, both versions: a bad value of each admin variable stops boot with one line that
// names the variable and the accepted form; secret values are shown as [redacted].
import { describe, expect, it } from "vitest";
import { POCKETBASE_VERSIONS, runPocketBase } from "./harness/pocketbase";

const BAD_VALUES: [string, string, RegExp][] = [
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
const SECRET_VARS = new Set(["PB_ADMIN_PATH", "PB_OPS_SECRET"]);

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it.each(BAD_VALUES)("%s=%j stops boot with one line", (name, value, why) => {
    const res = runPocketBase(version, ["serve", "--http", "127.0.0.1:0"], { env: { [name]: value } });
    expect(res.status).toBe(1);
    const lines = (res.stdout + res.stderr).split("\n").filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(1);
    const shown = SECRET_VARS.has(name) && value !== "" ? "[redacted]" : value;
    expect(lines[0]).toContain(`invalid ${name}=${JSON.stringify(shown)}`);
    expect(lines[0]).toMatch(why);
    if (SECRET_VARS.has(name) && value !== "") expect(lines[0]).not.toContain(value);
  });

  it("good values boot (control for the cases above)", () => {
    const res = runPocketBase(version, ["migrate", "history-sync"], {
      env: { PB_ADMIN_PATH: "/k7Qm2vX9pL4wR8tZ3nB6", PB_ADMIN_ALLOW_IPS: "10.0.0.0/8,::1", PB_ADMIN_GATE_TTL: "1h", PB_OPS_SECRET: "x".repeat(8) + "0123456789abcdefghijklmnopqrstuv" },
    });
    expect(res.status).toBe(0);
  });
});
