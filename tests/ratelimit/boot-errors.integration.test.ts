// Real PocketBase, both versions: every PB_RATE_LIMIT* variable with a bad value stops boot with
// exactly one line naming the variable, the value and what is accepted.
import { describe, expect, it } from "vitest";
import { type BadValue, describeBadValues } from "../harness/boot";
import { POCKETBASE_VERSIONS, runPocketBase } from "../../toolkit/pocketbase";

const BAD_VALUES: BadValue[] = [
  ["PB_RATE_LIMIT", "100", /rate "100" is not COUNT\/WINDOW like 100\/60s/],
  ["PB_RATE_LIMIT", "100/60", /not a duration/],
  ["PB_RATE_LIMIT", "0/60s", /COUNT must be a whole number from 1/],
  ["PB_RATE_LIMIT", "10/60s burst=5 cost=6", /cost=6 is above the bucket size 5/],
  ["PB_RATE_LIMIT", "", /set but empty/],
  ["PB_RATE_LIMIT_RULES", "FETCH /api 1/1s", /neither a method/],
  ["PB_RATE_LIMIT_RULES", "POST /api/x 10/60s;", /empty rule/],
  ["PB_RATE_LIMIT_RULES", "/api/x 1/1s name=auth", /built in/],
  ["PB_RATE_LIMIT_AUTH", "strict", /expected one of on\|off/],
  ["PB_RATE_LIMIT_EXEMPT", "10.0.0.1/8", /host bits/],
  ["PB_RATE_LIMIT_EXEMPT", "10.0.0.0/8,,::1", /empty item/],
  ["PB_RATE_LIMIT_EXEMPT", "localhost", /not an IP address/],
  ["PB_RATE_LIMIT_SUPERUSERS", "never", /expected one of exempt\|limit/],
  ["PB_RATE_LIMIT_MAX_KEYS", "lots", /not an integer/],
  ["PB_RATE_LIMIT_MAX_KEYS", "10", /out of range 1000\.\.10000000/],
  ["PB_RATE_LIMIT_IPV6_PREFIX", "/64", /not an integer/],
  ["PB_RATE_LIMIT_IPV6_PREFIX", "16", /out of range 32\.\.128/],
  ["PB_RATE_LIMITS", "100/60s", /did you mean PB_RATE_LIMIT/],
];

describeBadValues(BAD_VALUES);

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it("a full, valid rate-limit configuration boots (control for the cases above)", () => {
    const res = runPocketBase(version, ["migrate", "history-sync"], {
      env: {
        PB_RATE_LIMIT: "300/60s burst=50",
        PB_RATE_LIMIT_RULES: "POST /api/collections/*/records @auth 10/60s key=auth; /api/files 600/60s name=files",
        PB_RATE_LIMIT_AUTH: "off",
        PB_RATE_LIMIT_EXEMPT: "10.0.0.0/8,2001:db8::/32",
        PB_RATE_LIMIT_SUPERUSERS: "limit",
        PB_RATE_LIMIT_MAX_KEYS: "500000",
        PB_RATE_LIMIT_IPV6_PREFIX: "56",
      },
    });
    expect(res.stdout + res.stderr).not.toMatch(/invalid/);
    expect(res.status).toBe(0);
  });
});
