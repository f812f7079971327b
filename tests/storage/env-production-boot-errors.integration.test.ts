// Real PocketBase, both versions: bad trusted-proxy, S3 file storage and superuser variables stop
// boot with one line naming variable, value (`[redacted]` for secrets, which never appear) and
// accepted form; so do two spellings of one S3 variable that disagree, an incomplete S3 set, keys
// S3 refuses, a bucket that does not exist and an endpoint that does not answer (checked with one
// real request to versitygw at serve time), and a superuser PocketBase refuses to save.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, S3_KEYS, S3Server } from "../../toolkit/backup-stack";
import { type BadValue, describeBadValues } from "../harness/boot";
import { POCKETBASE_VERSIONS, freePort, runPocketBase } from "../../toolkit/pocketbase";

const WEAK_PASSWORD = "Tr0ub4dor&3";

const BAD_VALUES: BadValue[] = [
  ["PB_TRUSTED_PROXY_HEADERS", "do connecting ip", /is not a header name/],
  ["PB_TRUSTED_PROXY_HEADERS", "do-connecting-ip,,x-real-ip", /empty item/],
  ["PB_TRUSTED_PROXY_LEFTMOST_IP", "left", /not a boolean/],
  ["PB_S3_ENDPOINT", "nyc3.digitaloceanspaces.com", /not an http\(s\) URL/],
  ["S3_ENDPOINT", "https://nyc3.digitaloceanspaces.com/my-bucket", /not an http\(s\) URL/],
  ["PB_S3_BUCKET", "My_Bucket", /not an S3 bucket name/],
  ["PB_S3_REGION", "New York", /not a region name/],
  ["PB_S3_SECRET_KEY", "abc def\n", /spaces, line breaks/],
  ["PB_S3_FORCE_PATH_STYLE", "maybe", /not a boolean/],
  ["PB_SUPERUSER_EMAIL", "ops-at-example.com", /not an email address/],
  ["PB_SUPERUSER_PASSWORD", WEAK_PASSWORD, /too short/],
  ["PB_SUPERUSER_PASSWORD", "aaaaaaaabbbbbbbb", /too repetitive/],
  ["PB_LITESTREAM_METRICS_URL", "127.0.0.1:9090", /not an http\(s\) URL/],
];

/** Boot with `env`; exactly one output line, exit 1; returns the line. */
function refusedLine(version: string, env: Record<string, string>): string {
  const res = runPocketBase(version, ["serve", "--http", "127.0.0.1:0"], { env });
  const lines = (res.stdout + res.stderr).split("\n").filter((l) => l.trim() !== "");
  expect(res.status, res.stdout + res.stderr).toBe(1);
  expect(lines, res.stdout + res.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^(\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d )?pb-ops: invalid /);
  expect(lines[0]).toMatch(/; expected /);
  return lines[0]!;
}

describeBadValues(BAD_VALUES, (line, name, value) => {
  if (name === "PB_SUPERUSER_PASSWORD") expect(line).not.toContain(value);
});

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it("S3_BUCKET and PB_S3_BUCKET set to different values: one line naming both", () => {
    const line = refusedLine(version, { PB_S3_BUCKET: "files-a", S3_BUCKET: "files-b" });
    expect(line).toContain('invalid S3_BUCKET="files-b": differs from PB_S3_BUCKET="files-a"');
  });

  it("S3_SECRET_KEY and PB_S3_SECRET_KEY disagreeing: both values redacted", () => {
    const line = refusedLine(version, { PB_S3_SECRET_KEY: "secret-one-1234567890", S3_SECRET_KEY: "secret-two-0987654321" });
    expect(line).toContain('invalid S3_SECRET_KEY="[redacted]": differs from PB_S3_SECRET_KEY="[redacted]"');
    expect(line).not.toMatch(/secret-one|secret-two/);
  });

  it("an incomplete S3 set names the first missing variable", () => {
    const line = refusedLine(version, { PB_S3_BUCKET: "files-a", S3_SECRET_KEY: "secret-one-1234567890" });
    expect(line).toContain('invalid PB_S3_ENDPOINT="none": unset while PB_S3_BUCKET, PB_S3_SECRET_KEY are set');
    expect(line).not.toContain("secret-one");
  });

  it("a superuser email without a password, and a password without an email", () => {
    expect(refusedLine(version, { PB_SUPERUSER_EMAIL: "ops@example.com" })).toContain(
      'invalid PB_SUPERUSER_PASSWORD="none": unset while PB_SUPERUSER_EMAIL is set',
    );
    const line = refusedLine(version, { PB_SUPERUSER_PASSWORD: "a-long-enough-Passw0rd" });
    expect(line).toContain('invalid PB_SUPERUSER_EMAIL="none"');
    expect(line).not.toContain("a-long-enough-Passw0rd");
  });
});

describe.each(POCKETBASE_VERSIONS)("PocketBase %s: writing at serve time", (version: string) => {
  it("an email PocketBase refuses for the superuser stops boot with one line, without the password", () => {
    const password = "a-long-enough-Passw0rd";
    const line = refusedLine(version, { PB_SUPERUSER_EMAIL: "a..b@example.com", PB_SUPERUSER_PASSWORD: password });
    expect(line).toContain(
      'invalid PB_SUPERUSER_EMAIL="a..b@example.com": PocketBase refused to save the superuser (email: must be a valid email address.)',
    );
    expect(line).not.toContain(password);
  });
});

describe.each(POCKETBASE_VERSIONS)("PocketBase %s: the S3 check at serve time", (version: string) => {
  let s3: S3Server;

  beforeAll(async () => {
    s3 = new S3Server();
    await s3.start();
  }, 60_000);

  afterAll(async () => {
    await s3?.destroy();
  });

  const storage = (over: Record<string, string> = {}) => ({
    PB_S3_ENDPOINT: s3.url,
    PB_S3_BUCKET: BUCKET,
    PB_S3_ACCESS_KEY: S3_KEYS.accessKey,
    PB_S3_SECRET_KEY: S3_KEYS.secretKey,
    PB_S3_FORCE_PATH_STYLE: "true",
    ...over,
  });

  it("a refused secret stops boot with one line; neither key appears", () => {
    const wrong = "wrongSecret-0a1b2c3d4e5f6a7b8c9d";
    const line = refusedLine(version, storage({ PB_S3_SECRET_KEY: wrong }));
    expect(line).toMatch(
      /invalid PB_S3_ACCESS_KEY="\[redacted\]": S3 at http:\/\/127\.0\.0\.1:\d+ refused the keys \(403 SignatureDoesNotMatch\)/,
    );
    expect(line).not.toContain(wrong);
    expect(line).not.toContain(S3_KEYS.accessKey);
  });

  it("an unknown access key stops boot with one line", () => {
    const line = refusedLine(version, storage({ PB_S3_ACCESS_KEY: "unknownAccessKey99" }));
    expect(line).toMatch(/refused the keys/);
    expect(line).not.toContain("unknownAccessKey99");
  });

  it("a bucket that does not exist names PB_S3_BUCKET", () => {
    const line = refusedLine(version, storage({ PB_S3_BUCKET: "no-such-bucket" }));
    expect(line).toMatch(/invalid PB_S3_BUCKET="no-such-bucket": S3 answered 404 NoSuchBucket/);
  });

  it("an endpoint that does not answer names PB_S3_ENDPOINT", async () => {
    const port = await freePort();
    const line = refusedLine(version, storage({ PB_S3_ENDPOINT: `http://127.0.0.1:${port}` }));
    expect(line).toContain(`invalid PB_S3_ENDPOINT="http://127.0.0.1:${port}": no answer from S3 (connection refused)`);
  });
});
