// PB_* variables of the backup-status endpoint. REPLICA_URL and LITESTREAM_* are Litestream's own
// names (the guide's), so they are not part of this schema: they are read by the adapter and parsed
// by replica.ts at request time. A bad REPLICA_URL makes the report `failing` instead of stopping
// PocketBase: Litestream fails on the same value, and the app itself must keep serving.
import { defineVar, durationIn, InvalidValue, numberIn, isKeyword, keywordOr, type Parser, parser } from "../config/vars";
import { metricsUrlFromAddr } from "./replica";

/** Minimum strength for PB_OPS_TOKEN: long and not repetitive (e.g. `openssl rand -hex 32`). */
const TOKEN_MIN_LENGTH = 32;
const TOKEN_MIN_DISTINCT = 10;

export function parseOpsToken(raw: string): string | null {
  if (isKeyword(raw, "none")) return null;
  if (raw.length < TOKEN_MIN_LENGTH) throw new InvalidValue(`too short (${raw.length} characters, need at least ${TOKEN_MIN_LENGTH})`);
  if (!/^[\x21-\x7e]+$/.test(raw)) throw new InvalidValue("only printable ASCII without spaces is allowed");
  if (new Set(raw).size < TOKEN_MIN_DISTINCT)
    throw new InvalidValue(`too repetitive (fewer than ${TOKEN_MIN_DISTINCT} distinct characters)`);
  return raw;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9 };

/** `2GiB`, `500MiB`, `1GB`, `123456` (bytes). */
export function parseBytes(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = m ? (m[2] || "b").toLowerCase() : "";
  if (!m || !(unit in SIZE_UNITS)) throw new InvalidValue("not a size like 2GiB, 500MiB, 1GB or a byte count");
  const n = Math.round(Number(m[1]) * SIZE_UNITS[unit]!);
  if (n < 1) throw new InvalidValue("must be positive");
  return n;
}

/** An http(s) URL, `auto` or `off` (null). No URL global in goja, so the check is a pattern. */
export function parseMetricsUrl(raw: string): string | null {
  const v = raw.trim();
  if (isKeyword(v, "off")) return null;
  if (isKeyword(v, "auto")) return METRICS_AUTO;
  if (!/^https?:\/\/[^\s/?#@]+(\/[^\s#]*)?$/.test(v)) throw new InvalidValue("not an http(s) URL without credentials, nor `auto` or `off`");
  return v;
}

export const METRICS_AUTO = "auto";
/** Litestream's own default in the kit (deploy/entrypoint.sh LITESTREAM_METRICS_ADDR). */
const DEFAULT_METRICS_URL = "http://127.0.0.1:9090/metrics";

/**
 * Where Litestream's metrics are, for PB_LITESTREAM_METRICS_URL=auto: the `addr:` of the
 * litestream.yml pb-ops reads (PB_LITESTREAM_CONFIG), else LITESTREAM_METRICS_ADDR (the kit's
 * variable, which deploy/litestream.yml uses as `addr:`), else 127.0.0.1:9090. A set address that
 * is not host:port is reported, not replaced by the default: Litestream is not listening there.
 */
export function resolveMetricsUrl(
  configured: string | null,
  litestreamMetricsAddr: string | undefined,
  yamlAddr: string | undefined,
): { url: string | null } | { error: string } {
  if (configured !== METRICS_AUTO) return { url: configured };
  for (const [name, addr] of [
    ["litestream.yml addr", yamlAddr],
    ["LITESTREAM_METRICS_ADDR", litestreamMetricsAddr],
  ] as const) {
    if (addr === undefined || addr.trim() === "") continue;
    const url = metricsUrlFromAddr(addr);
    return url ? { url } : { error: `${name}=${JSON.stringify(addr)} is not host:port` };
  }
  return { url: DEFAULT_METRICS_URL };
}

/** Whole seconds: PocketBase's $http.send takes its timeout in whole seconds. */
function wholeSeconds(minS: number, maxS: number): Parser<number> {
  const inner = durationIn(minS * 1000, maxS * 1000);
  return parser(`whole seconds from ${minS}s to ${maxS}s`, (raw) => {
    const ms = inner(raw);
    if (ms % 1000 !== 0) throw new InvalidValue("must be whole seconds ($http.send counts in seconds)");
    return ms / 1000;
  });
}

export const backupVars = {
  opsToken: defineVar({
    name: "PB_OPS_TOKEN",
    default: "none",
    example: "3f9c1e0b7a5d4c2e8f6a1b3c5d7e9f0a2b4c6d8e0f1a3b5c",
    accepted: `\`none\` or at least ${TOKEN_MIN_LENGTH} printable characters with at least ${TOKEN_MIN_DISTINCT} distinct ones (e.g. \`openssl rand -hex 32\`)`,
    meaning:
      "Bearer token for monitors: `Authorization: Bearer <token>` may read /api/ops/backup-status without a superuser login. `none` = superusers only.",
    secret: true,
    parse: parseOpsToken,
  }),
  maxLag: defineVar({
    name: "PB_BACKUP_MAX_LAG",
    default: "60s",
    example: "5m",
    meaning: "How long a local write may stay off the replica before backup-status turns `failing` (`replica_lagging`).",
    parse: durationIn(1000, 86_400_000),
  }),
  timeout: defineVar({
    name: "PB_BACKUP_TIMEOUT",
    default: "3s",
    example: "5s",
    meaning: "Timeout of each outside call backup-status makes (Litestream metrics, S3 reachability probe and listing).",
    parse: wholeSeconds(1, 30),
  }),
  cacheTtl: defineVar({
    name: "PB_BACKUP_CACHE_TTL",
    default: "10s",
    example: "30s",
    meaning: "How long an S3 listing is reused (shared by all VMs) before the replica is listed again. `0s` lists on every request.",
    parse: durationIn(0, 300_000),
  }),
  metricsUrl: defineVar({
    name: "PB_LITESTREAM_METRICS_URL",
    default: "auto",
    example: "http://127.0.0.1:9091/metrics",
    accepted: "an http(s) URL, `auto` or `off`",
    meaning:
      "Litestream's Prometheus endpoint. `auto`: from the `addr:` of PB_LITESTREAM_CONFIG's litestream.yml, else from LITESTREAM_METRICS_ADDR (the kit's variable), else http://127.0.0.1:9090/metrics. Unreachable = `litestream_down`. `off` skips the check (Litestream's health is then judged from the replica alone).",
    parse: parseMetricsUrl,
  }),
  litestreamConfig: defineVar({
    name: "PB_LITESTREAM_CONFIG",
    default: "none",
    example: "/etc/litestream.yml",
    meaning:
      "Read the replica (url or type/bucket/path/endpoint/region, keys) of data.db from this litestream.yml instead of REPLICA_URL and LITESTREAM_* variables.",
    parse: keywordOr(
      "none",
      parser("an absolute path to litestream.yml", (raw) => {
        if (!raw.startsWith("/")) throw new InvalidValue("not an absolute path");
        return raw;
      }),
    ),
  }),
  diskLimit: defineVar({
    name: "PB_BACKUP_DISK_LIMIT",
    default: "2GiB",
    example: "10GiB",
    accepted: "a size like 2GiB, 500MiB, 1GB",
    meaning:
      "Disk the database may use (App Platform gives an instance 2 GiB of ephemeral disk); the report shows data.db + WAL as a share of it.",
    parse: parseBytes,
  }),
  diskWarn: defineVar({
    name: "PB_BACKUP_DISK_WARN",
    default: "0.8",
    example: "0.7",
    meaning: "Share of PB_BACKUP_DISK_LIMIT used by data.db + WAL above which the report is `degraded` (`disk_high`).",
    parse: numberIn(0.1, 1),
  }),
};
