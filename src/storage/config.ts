// PB_* variables for PocketBase's file storage on S3 (Settings > Files storage). Uploaded files
// otherwise live in pb_data/storage on App Platform's ephemeral disk, which Litestream does not copy:
// they are gone at the next deploy. The production guide's S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY and
// S3_SECRET_KEY (which PocketBase itself never reads) are accepted as aliases.
import { ConfigError, type SectionOf } from "../config/load";
import { defineVar, InvalidValue, keywordOr, parseBool, parser } from "../config/vars";

/** An http(s) endpoint URL without credentials, path or query; `none` = not set. */
export const parseEndpoint = keywordOr(
  "none",
  parser("an http(s) URL of the S3 endpoint", (raw) => {
    const m = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/?$/i.exec(raw.trim());
    if (!m) throw new InvalidValue("not an http(s) URL with only a host and an optional port");
    return `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${m[3] ?? ""}`;
  }),
);

/** S3 bucket naming rules (3-63 lower-case letters, digits, dots, hyphens). */
const parseBucket = keywordOr(
  "none",
  parser("an S3 bucket name", (raw) => {
    const v = raw.trim();
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v))
      throw new InvalidValue("not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)");
    return v;
  }),
);

function parseRegion(raw: string): string {
  const v = raw.trim();
  if (!/^[a-z0-9-]{2,40}$/.test(v)) throw new InvalidValue("not a region name like nyc3, us-east-1 or auto");
  return v;
}

/** Keys are pasted: a stray space or newline makes S3 answer 403 with an invisible cause. */
function keyParser(accepted: string, what: string) {
  return keywordOr(
    "none",
    parser(`${accepted} (printable ASCII, no spaces)`, (raw) => {
      if (!/^[\x21-\x7e]+$/.test(raw)) throw new InvalidValue(`${what} has spaces, line breaks or non-ASCII characters`);
      return raw;
    }),
  );
}

export const storageVars = {
  endpoint: defineVar({
    name: "PB_S3_ENDPOINT",
    aliases: ["S3_ENDPOINT"],
    default: "none",
    example: "https://nyc3.digitaloceanspaces.com",
    meaning:
      "Store uploaded files on S3 (PocketBase's Files storage setting, written at every start) instead of the ephemeral disk. Set with PB_S3_BUCKET, PB_S3_ACCESS_KEY and PB_S3_SECRET_KEY. Also read as `S3_ENDPOINT`.",
    parse: parseEndpoint,
  }),
  bucket: defineVar({
    name: "PB_S3_BUCKET",
    aliases: ["S3_BUCKET"],
    default: "none",
    example: "my-app-files",
    meaning: "Bucket (Space) for uploaded files. Also read as `S3_BUCKET`.",
    parse: parseBucket,
  }),
  region: defineVar({
    name: "PB_S3_REGION",
    default: "auto",
    example: "nyc3",
    accepted: "a region name, or `auto`",
    meaning:
      "Region the requests are signed for. `auto`: taken from a `<region>.digitaloceanspaces.com` or `s3.<region>.amazonaws.com` endpoint, else `us-east-1`.",
    parse: parseRegion,
  }),
  accessKey: defineVar({
    name: "PB_S3_ACCESS_KEY",
    aliases: ["S3_ACCESS_KEY"],
    default: "none",
    example: "DO00EXAMPLEKEYID",
    meaning: "Access key id for the files bucket. Also read as `S3_ACCESS_KEY`.",
    secret: true,
    parse: keyParser("an access key id", "the key"),
  }),
  secretKey: defineVar({
    name: "PB_S3_SECRET_KEY",
    aliases: ["S3_SECRET_KEY"],
    default: "none",
    example: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    meaning: "Secret access key for the files bucket. Also read as `S3_SECRET_KEY`.",
    secret: true,
    parse: keyParser("a secret access key", "the secret"),
  }),
  forcePathStyle: defineVar({
    name: "PB_S3_FORCE_PATH_STYLE",
    default: "false",
    example: "true",
    meaning:
      "Address the bucket as `<endpoint>/<bucket>` instead of `<bucket>.<endpoint host>` (MinIO, versitygw and other self-hosted S3 servers need `true`; Spaces and AWS work with `false`).",
    parse: parseBool,
  }),
};

export type StorageConfig = SectionOf<typeof storageVars>;

/** What pb-ops writes into PocketBase's settings.s3 (same field names). */
export interface S3FileStorage {
  enabled: true;
  endpoint: string;
  bucket: string;
  region: string;
  accessKey: string;
  secret: string;
  forcePathStyle: boolean;
}

export function regionFor(endpoint: string, region: string): string {
  if (region !== "auto") return region;
  const host = endpoint.replace(/^https?:\/\//, "").replace(/:\d+$/, "");
  return /^([a-z0-9-]+)\.digitaloceanspaces\.com$/.exec(host)?.[1] ?? /^s3[.-]([a-z0-9-]+)\.amazonaws\.com$/.exec(host)?.[1] ?? "us-east-1";
}

/**
 * The file storage pb-ops manages, or null when none of the four is set (the dashboard's setting
 * is then left alone). Some but not all set is a boot error naming the first missing one.
 */
export function fileStorageFromConfig(c: StorageConfig): S3FileStorage | null {
  const parts: [string, string | null][] = [
    ["PB_S3_ENDPOINT", c.endpoint],
    ["PB_S3_BUCKET", c.bucket],
    ["PB_S3_ACCESS_KEY", c.accessKey],
    ["PB_S3_SECRET_KEY", c.secretKey],
  ];
  const set = parts.filter(([, v]) => v !== null);
  if (set.length === 0) return null;
  const missing = parts.find(([, v]) => v === null);
  if (missing) {
    throw new ConfigError(
      missing[0],
      "none",
      "all four of PB_S3_ENDPOINT, PB_S3_BUCKET, PB_S3_ACCESS_KEY and PB_S3_SECRET_KEY (or their S3_* aliases), or none",
      `unset while ${set.map(([n]) => n).join(", ")} ${set.length === 1 ? "is" : "are"} set`,
    );
  }
  return {
    enabled: true,
    endpoint: c.endpoint!,
    bucket: c.bucket!,
    region: regionFor(c.endpoint!, c.region),
    accessKey: c.accessKey!,
    secret: c.secretKey!,
    forcePathStyle: c.forcePathStyle,
  };
}

/** Current settings.s3 as read from PocketBase (plain values): the same fields, maybe disabled. */
export type S3Settings = Omit<S3FileStorage, "enabled"> & { enabled: boolean };

/** Nothing to save when PocketBase already holds exactly this. */
export function sameFileStorage(want: S3FileStorage, cur: S3Settings): boolean {
  return (
    cur.enabled &&
    cur.endpoint === want.endpoint &&
    cur.bucket === want.bucket &&
    cur.region === want.region &&
    cur.accessKey === want.accessKey &&
    cur.secret === want.secret &&
    cur.forcePathStyle === want.forcePathStyle
  );
}
