// The one S3 request made at boot before PocketBase is told to store files there: a signed
// ListObjectsV2 of at most one key on the bucket. It proves the endpoint answers, the bucket exists
// and the keys are accepted (not that they may write: that would need a write). Its verdict is
// the boot line; like src/backup/s3.ts it keeps only the status and the S3 error code, never the
// error body (which can echo the access key id).
import { ConfigError } from "../config/load";
import { classifyS3Response, networkClass, signedListRequest, type SignedRequest } from "../backup/s3";
import type { S3FileStorage } from "./config";

export const PROBE_TIMEOUT_S = 10;

export function probeRequest(s: S3FileStorage, nowMs: number): SignedRequest {
  const target = {
    bucket: s.bucket,
    prefix: "",
    region: s.region,
    endpoint: s.endpoint,
    forcePathStyle: s.forcePathStyle,
    display: s.endpoint,
  };
  return signedListRequest(target, { accessKeyId: s.accessKey, secretAccessKey: s.secret }, nowMs, undefined, 1);
}

/** null when S3 answered the listing; else the boot error. */
export function probeVerdict(s: S3FileStorage, status: number, body: string): ConfigError | null {
  if (status === 200) return null;
  const c = classifyS3Response(status, body);
  if (c.kind === "credentials") {
    return new ConfigError(
      "PB_S3_ACCESS_KEY",
      "[redacted]",
      `PB_S3_ACCESS_KEY and PB_S3_SECRET_KEY of a key that may read and write bucket ${s.bucket}`,
      `S3 at ${s.endpoint} refused the keys (${c.detail})`,
    );
  }
  if (/NoSuchBucket/.test(c.detail) || status === 404) {
    return new ConfigError("PB_S3_BUCKET", s.bucket, `an existing bucket at ${s.endpoint} (create it first)`, `S3 answered ${c.detail}`);
  }
  return new ConfigError(
    "PB_S3_ENDPOINT",
    s.endpoint,
    "an S3 endpoint that lists the bucket with these keys (check PB_S3_REGION and PB_S3_FORCE_PATH_STYLE too)",
    `S3 answered ${c.detail} to a listing of bucket ${s.bucket}`,
  );
}

/** The boot error for a request that got no answer (Go network error text, classified). */
export function probeUnreachable(s: S3FileStorage, message: string): ConfigError {
  return new ConfigError("PB_S3_ENDPOINT", s.endpoint, "a reachable S3 endpoint URL", `no answer from S3 (${networkClass(message)})`);
}
