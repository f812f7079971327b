// File storage on S3 from PB_S3_* (src/storage/): checked with one signed request, then written
// into PocketBase's settings.s3 at serve time when it differs. A refused key or a missing bucket
// stops boot (src/adapter/serve.ts prints the line).
import { ConfigError } from "../config/load";
import { fileStorageFromConfig, sameFileStorage, type S3FileStorage, type S3Settings } from "../storage/config";
import { probeRequest, probeUnreachable, probeVerdict, PROBE_TIMEOUT_S } from "../storage/probe";
import { getConfig } from "./config";
import { logEvent } from "./log";

function checkBucket(want: S3FileStorage): void {
  const req = probeRequest(want, Date.now());
  let res: { statusCode: number; body: unknown };
  try {
    res = $http.send({ url: req.url, method: "GET", headers: req.headers, timeout: PROBE_TIMEOUT_S }) as unknown as {
      statusCode: number;
      body: unknown;
    };
  } catch (err) {
    throw probeUnreachable(want, String((err as { message?: string })?.message ?? err));
  }
  const verdict = probeVerdict(want, res.statusCode, toString(res.body as string));
  if (verdict) throw verdict;
}

function currentS3(): S3Settings {
  const s = $app.settings().s3;
  return {
    enabled: !!s.enabled,
    endpoint: s.endpoint,
    bucket: s.bucket,
    region: s.region,
    accessKey: s.accessKey,
    secret: s.secret,
    forcePathStyle: !!s.forcePathStyle,
  };
}

export function applyFileStorageAtServe(): void {
  const want = fileStorageFromConfig(getConfig().storage);
  if (!want) return;
  checkBucket(want);
  const same = sameFileStorage(want, currentS3());
  if (!same) {
    const settings = $app.settings();
    const s3 = settings.s3;
    s3.enabled = true;
    s3.endpoint = want.endpoint;
    s3.bucket = want.bucket;
    s3.region = want.region;
    s3.accessKey = want.accessKey;
    s3.secret = want.secret;
    s3.forcePathStyle = want.forcePathStyle;
    try {
      $app.save(settings);
    } catch (err) {
      const why = String((err as { message?: string })?.message ?? err)
        .split(want.secret)
        .join("[redacted]")
        .split(want.accessKey)
        .join("[redacted]");
      throw new ConfigError(
        "PB_S3_ENDPOINT",
        want.endpoint,
        "values PocketBase's Files storage setting accepts",
        `PocketBase refused to save them (${why})`,
      );
    }
  }
  logEvent("info", same ? "file storage already on S3 as PB_S3_* says" : "file storage set to S3 from PB_S3_*", {
    endpoint: want.endpoint,
    bucket: want.bucket,
    region: want.region,
    forcePathStyle: want.forcePathStyle,
  });
}

/** For backup-status: uploaded files are on the local disk. */
export function filesOnLocalDisk(): boolean {
  return !$app.settings().s3.enabled;
}
