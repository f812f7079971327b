// Real PocketBase, both versions: a bad PB_ALERT_* or PB_RESTORE_DRILL value stops boot with exactly
// one line naming the variable, the value (the webhook is a secret: redacted) and the accepted form.
import { describe, expect, it } from "vitest";
import { type BadValue, describeBadValues } from "../harness/boot";
import { POCKETBASE_VERSIONS, runPocketBase } from "../../toolkit/pocketbase";

const BAD_VALUES: BadValue[] = [
  ["PB_RESTORE_DRILL", "nightly", /not off, auto, hourly, daily, weekly or a 5-field cron expression/],
  ["PB_RESTORE_DRILL", "61 3 * * *", /minute out of range 0\.\.59/],
  ["PB_ALERT_COOLDOWN", "0s", /out of range 1000ms/],
  ["PB_ALERT_RETRIES", "0", /out of range 1\.\.10; expected an integer from 1 to 10/],
];

describeBadValues(BAD_VALUES);

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it("a bad PB_ALERT_WEBHOOK stops boot with one line that does not print the URL", () => {
    const url = "hooks.slack.com/services/T0SECRET/B0SECRET/XXXXSECRET";
    const res = runPocketBase(version, ["serve", "--http", "127.0.0.1:0"], { env: { PB_ALERT_WEBHOOK: url } });
    expect(res.status).toBe(1);
    const lines = (res.stdout + res.stderr).split("\n").filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/pb-ops: invalid PB_ALERT_WEBHOOK=.*not an http\(s\) URL/);
    expect(lines[0]).not.toContain("SECRET");
  });

  it("the drill's verifier command exists and refuses an unknown subcommand", () => {
    const res = runPocketBase(version, ["pb-ops-drill", "nope"], {});
    expect(res.status).toBe(2);
    expect(res.stderr).toContain("pb-ops-drill: unknown subcommand");
  });
});
