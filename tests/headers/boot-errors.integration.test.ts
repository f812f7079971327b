// Real PocketBase, both versions: a bad value of every security-header, CORS or cookie variable
// stops boot with a non-zero exit and exactly one line naming the variable, the value and the reason.
import { describe, expect, it } from "vitest";
import { type BadValue, describeBadValues } from "../harness/boot";
import { POCKETBASE_VERSIONS, runPocketBase } from "../../toolkit/pocketbase";

const BAD_VALUES: BadValue[] = [
  ["PB_SECURITY_HEADERS", "maybe", /not a boolean/],
  ["PB_SECURITY_HEADERS_OFF", "X-Download-Options", /is not a header pb-ops sets/],
  ["PB_CSP", "default-src self", /must be quoted/],
  ["PB_CSP", "default-src 'self'\r\nX-Evil: 1", /CR or LF/],
  ["PB_CSP_PUBLIC", "defualt-src 'self'", /unknown CSP directive/],
  ["PB_CSP_ADMIN", "default-src 'self', img-src data:", /comma/],
  ["PB_CSP_FILES", "default-src 'none' 'self'", /cannot be combined/],
  ["PB_HSTS", "max-age=1y", /unknown HSTS item/],
  ["PB_HSTS", "max-age=600; preload", /preload needs/],
  ["PB_X_FRAME_OPTIONS", "ALLOW-FROM https://a.example", /not an accepted value/],
  ["PB_REFERRER_POLICY", "none", /unknown policy/],
  ["PB_COOP", "same-site", /not an accepted value/],
  ["PB_CORP", "same-host", /not an accepted value/],
  ["PB_CORP_FILES", "anyone", /not an accepted value/],
  ["PB_CORS_ORIGINS", "*", /not an allowlist/],
  ["PB_CORS_ORIGINS", "https://app.example.com/", /no path/],
  ["PB_CORS_ORIGINS", "https://app.example.com:443", /default port/],
  ["PB_CORS_ORIGINS", "https://*.example.com", /wildcards/],
  ["PB_ENCRYPTION_COOKIE_SECURE", "sometimes", /not a boolean/],
];

describeBadValues(BAD_VALUES);

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it("good values of every variable boot (control for the cases above)", () => {
    const res = runPocketBase(version, ["migrate", "history-sync"], {
      env: {
        PB_SECURITY_HEADERS: "on",
        PB_SECURITY_HEADERS_OFF: "Origin-Agent-Cluster",
        PB_CSP: "default-src 'none'",
        PB_CSP_PUBLIC: "default-src 'self'; img-src 'self' data: https://cdn.example.com",
        PB_CSP_ADMIN: "off",
        PB_CSP_FILES: "default-src 'none'; sandbox",
        PB_HSTS: "max-age=63072000; includeSubDomains; preload; force",
        PB_X_FRAME_OPTIONS: "DENY",
        PB_REFERRER_POLICY: "strict-origin-when-cross-origin",
        PB_COOP: "same-origin-allow-popups",
        PB_CORP: "same-site",
        PB_CORP_FILES: "same-site",
        PB_CORS_ORIGINS: "https://app.example.com,http://localhost:5173",
        PB_ENCRYPTION_COOKIE_SECURE: "true",
      },
    });
    expect(res.stdout + res.stderr).not.toMatch(/invalid PB_/);
    expect(res.status).toBe(0);
  });
});
