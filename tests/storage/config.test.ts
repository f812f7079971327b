// S3 file storage from env: the PB_S3_* variables and the guide's S3_* aliases (two spellings that
// disagree stop boot, secrets redacted), all-or-nothing, the region from the endpoint, writing only
// what differs, and the boot probe's verdicts (which never carry a key).
import { describe, expect, it } from "vitest";
import { allVars, buildConfig, ConfigError } from "../../src/config/load";
import { checkConfig } from "../../src/config/checks";
import { schema } from "../../src/config/schema";
import { configSummary } from "../../src/config/summary";
import { fileStorageFromConfig, parseEndpoint, regionFor, sameFileStorage } from "../../src/storage/config";
import { probeRequest, probeUnreachable, probeVerdict } from "../../src/storage/probe";

const FULL = {
  PB_S3_ENDPOINT: "https://nyc3.digitaloceanspaces.com",
  PB_S3_BUCKET: "my-files",
  PB_S3_ACCESS_KEY: "DO00KEYID",
  PB_S3_SECRET_KEY: "sekret/Value+1",
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("PB_S3_* and the guide's S3_* aliases", () => {
  it("every alias is named in its variable's docs/config.md entry and is no other variable's name", () => {
    const vars = allVars(schema);
    const aliased = vars.filter((v) => v.aliases?.length);
    expect(aliased.map((v) => v.name)).toEqual(["PB_S3_ENDPOINT", "PB_S3_BUCKET", "PB_S3_ACCESS_KEY", "PB_S3_SECRET_KEY"]);
    for (const v of aliased)
      for (const a of v.aliases!) {
        expect(v.meaning).toContain(`\`${a}\``);
        expect(vars.map((x) => x.name)).not.toContain(a);
      }
  });

  it("unset: PocketBase's file storage setting is left alone", () => {
    expect(fileStorageFromConfig(buildConfig(schema, {}).storage)).toBeNull();
  });

  it("the four set: S3 file storage with the region taken from a Spaces endpoint", () => {
    expect(fileStorageFromConfig(buildConfig(schema, FULL).storage)).toEqual({
      enabled: true,
      endpoint: "https://nyc3.digitaloceanspaces.com",
      bucket: "my-files",
      region: "nyc3",
      accessKey: "DO00KEYID",
      secret: "sekret/Value+1",
      forcePathStyle: false,
    });
  });

  it("the guide's spelling alone works, and shows under the PB_ name in the boot summary (secrets redacted)", () => {
    const env = { S3_ENDPOINT: FULL.PB_S3_ENDPOINT, S3_BUCKET: "my-files", S3_ACCESS_KEY: "DO00KEYID", S3_SECRET_KEY: "sekret/Value+1" };
    expect(fileStorageFromConfig(buildConfig(schema, env).storage)?.bucket).toBe("my-files");
    const summary = configSummary(schema, env);
    expect(summary.PB_S3_BUCKET).toBe("my-files");
    expect(summary.PB_S3_SECRET_KEY).toBe("[redacted]");
    expect(summary.PB_S3_ACCESS_KEY).toBe("[redacted]");
  });

  it("both spellings with the same value are fine; different values stop boot naming both", () => {
    expect(() => buildConfig(schema, { ...FULL, S3_BUCKET: "my-files" })).not.toThrow();
    const e = errorOf(() => buildConfig(schema, { ...FULL, S3_BUCKET: "other-files" }));
    expect(e.message).toBe(
      'pb-ops: invalid S3_BUCKET="other-files": differs from PB_S3_BUCKET="my-files" (S3_BUCKET is an alias of PB_S3_BUCKET); expected the same value as PB_S3_BUCKET, or only one of the two',
    );
    const s = errorOf(() => buildConfig(schema, { ...FULL, S3_SECRET_KEY: "other-secret" }));
    expect(s.message).toContain('invalid S3_SECRET_KEY="[redacted]": differs from PB_S3_SECRET_KEY="[redacted]"');
    expect(s.message).not.toMatch(/sekret|other-secret/);
  });

  it("a spelling left at the default (.do/app.yaml lists PB_S3_BUCKET: none) gives way to the other", () => {
    const env = {
      PB_S3_ENDPOINT: "none",
      PB_S3_BUCKET: "none",
      PB_S3_ACCESS_KEY: "none",
      PB_S3_SECRET_KEY: "none",
      S3_ENDPOINT: FULL.PB_S3_ENDPOINT,
      S3_BUCKET: "my-files",
      S3_ACCESS_KEY: "DO00KEYID",
      S3_SECRET_KEY: "sekret/Value+1",
    };
    expect(fileStorageFromConfig(buildConfig(schema, env).storage)?.bucket).toBe("my-files");
    expect(fileStorageFromConfig(buildConfig(schema, { ...FULL, S3_BUCKET: "none" }).storage)?.bucket).toBe("my-files");
    expect(configSummary(schema, env).PB_S3_BUCKET).toBe("my-files");
  });

  it("a bad value under an alias names the alias the user set", () => {
    expect(errorOf(() => buildConfig(schema, { S3_ENDPOINT: "nyc3.digitaloceanspaces.com" })).message).toMatch(
      /^pb-ops: invalid S3_ENDPOINT="nyc3\.digitaloceanspaces\.com": not an http\(s\) URL/,
    );
  });

  it("some but not all set stops boot naming the first missing one", () => {
    const e = errorOf(() => checkConfig(buildConfig(schema, { PB_S3_BUCKET: "my-files", PB_S3_SECRET_KEY: "x-secret" })));
    expect(e.variable).toBe("PB_S3_ENDPOINT");
    expect(e.message).toContain("unset while PB_S3_BUCKET, PB_S3_SECRET_KEY are set");
    expect(e.message).not.toContain("x-secret");
  });

  it("endpoints: http(s), host and optional port only; regions from Spaces and AWS host names", () => {
    expect(parseEndpoint("HTTPS://NYC3.digitaloceanspaces.com/")).toBe("https://nyc3.digitaloceanspaces.com");
    expect(parseEndpoint("http://127.0.0.1:9000")).toBe("http://127.0.0.1:9000");
    for (const bad of ["nyc3.digitaloceanspaces.com", "https://u:p@host", "https://host/bucket", "ftp://host"])
      expect(() => parseEndpoint(bad), bad).toThrow();
    expect(regionFor("https://fra1.digitaloceanspaces.com", "auto")).toBe("fra1");
    expect(regionFor("https://s3.eu-west-1.amazonaws.com", "auto")).toBe("eu-west-1");
    expect(regionFor("http://127.0.0.1:9000", "auto")).toBe("us-east-1");
    expect(regionFor("https://fra1.digitaloceanspaces.com", "us-east-1")).toBe("us-east-1");
  });

  it("writes nothing when PocketBase's settings.s3 already hold exactly this", () => {
    const want = fileStorageFromConfig(buildConfig(schema, FULL).storage)!;
    expect(sameFileStorage(want, { ...want })).toBe(true);
    expect(sameFileStorage(want, { ...want, enabled: false })).toBe(false);
    expect(sameFileStorage(want, { ...want, secret: "rotated" })).toBe(false);
  });
});

describe("the boot probe", () => {
  const want = fileStorageFromConfig(buildConfig(schema, FULL).storage)!;

  it("one signed ListObjectsV2 of at most one key, virtual-hosted unless path style", () => {
    const r = probeRequest(want, Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(r.url).toBe("https://my-files.nyc3.digitaloceanspaces.com/?list-type=2&max-keys=1&prefix=");
    expect(r.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=DO00KEYID\/20260102\/nyc3\/s3\/aws4_request, /);
    expect(probeRequest({ ...want, forcePathStyle: true }, 0).url).toMatch(/^https:\/\/nyc3\.digitaloceanspaces\.com\/my-files\?/);
  });

  it("verdicts name the variable to fix and never carry a key or the S3 body", () => {
    expect(probeVerdict(want, 200, "<ListBucketResult/>")).toBeNull();
    const refused = probeVerdict(
      want,
      403,
      "<Error><Code>SignatureDoesNotMatch</Code><StringToSign>DO00KEYID sekret</StringToSign></Error>",
    )!;
    expect(refused.variable).toBe("PB_S3_ACCESS_KEY");
    expect(refused.message).toContain("refused the keys (403 SignatureDoesNotMatch)");
    expect(refused.message).not.toMatch(/DO00KEYID|sekret/);
    expect(probeVerdict(want, 404, "<Error><Code>NoSuchBucket</Code></Error>")!.message).toContain(
      'invalid PB_S3_BUCKET="my-files": S3 answered 404 NoSuchBucket',
    );
    expect(probeVerdict(want, 301, "<Error><Code>PermanentRedirect</Code></Error>")!.variable).toBe("PB_S3_ENDPOINT");
    expect(probeUnreachable(want, 'Get "https://x": dial tcp 1.2.3.4:443: connect: connection refused').message).toContain(
      "no answer from S3 (connection refused)",
    );
  });
});
