// Real PocketBase, both versions: a bad PB_* value stops boot with a non-zero exit and exactly one
// line naming the variable, the value and the accepted form.
import { describe, expect, it } from "vitest";
import { type BadValue, describeBadValues } from "../harness/boot";
import { POCKETBASE_VERSIONS, runPocketBase } from "../../toolkit/pocketbase";

const BAD_VALUES: BadValue[] = [
  ["PB_LOG_LEVEL", "loud", /expected one of debug\|info\|warn\|error/],
  ["PB_LOG_LEVEL", "", /set but empty/],
  ["PB_LOG_FORMAT", "xml", /expected one of json\|text/],
  ["PB_LOG_ACCESS", "maybe", /expected a boolean/],
  ["PB_LOG_SAMPLE", "2", /out of range 0\.\.1; expected a number from 0 to 1/],
  ["PB_LOG_SAMPLE", "half", /not a number/],
  ["PB_LOG_REDACT", "x-api-key,,session", /empty item/],
  ["PB_LOG_REDACT", "bad name!", /bad name/],
  ["PB_LOG_MIRROR", "sometimes", /expected one of off\|events\|all/],
  ["PB_LOG_DB_REQUESTS", "some", /expected one of all\|errors/],
  ["PB_LOG_LEVL", "warn", /did you mean PB_LOG_LEVEL/],
];

describeBadValues(BAD_VALUES);

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it("a good value boots (control for the cases above)", () => {
    const res = runPocketBase(version, ["migrate", "history-sync"], { env: { PB_LOG_LEVEL: "warn" } });
    expect(res.status).toBe(0);
  });
});
