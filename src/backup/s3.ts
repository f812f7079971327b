// S3 pieces that do not need a network: a SigV4 signed ListObjectsV2 request (for PocketBase
// versions without $filesystem.s3), its XML answer, and turning S3/network errors into a reason
// that can never carry a secret (S3 error bodies echo the access key id and the string to sign,
// so only the status and the error code are ever kept).
import { hmacSha256, sha256, toHex, utf8 } from "./sha256";
import type { RemoteObject } from "./remote";
import type { Credentials, ReplicaTarget } from "./replica";

/** AWS UriEncode: everything but unreserved characters; "/" kept in paths. */
export function uriEncode(s: string, keepSlash: boolean): string {
  let out = "";
  for (const b of utf8(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += "%" + (b < 16 ? "0" : "") + b.toString(16).toUpperCase();
  }
  return out;
}

function amzDate(nowMs: number): { date: string; stamp: string } {
  const iso = new Date(nowMs).toISOString(); // 2026-01-02T03:04:05.678Z
  const stamp = iso.slice(0, 19).replace(/[-:]/g, "") + "Z";
  return { date: stamp.slice(0, 8), stamp };
}

export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
}

export interface S3Call {
  method: "GET" | "PUT" | "HEAD" | "DELETE";
  /** Object key (full, prefix included); "" for the bucket itself (listing). */
  key: string;
  query?: [string, string][];
  /** Extra headers to send and sign (lower-case names), e.g. if-match, content-type. */
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A SigV4-signed S3 request. Every header passed in is signed, so a conditional header
 * (if-match / if-none-match) cannot be dropped by a proxy without the signature failing.
 */
export function signedRequest(target: ReplicaTarget, creds: Credentials, nowMs: number, call: S3Call): SignedRequest {
  const m = /^(https?):\/\/(.+)$/.exec(target.endpoint)!;
  const scheme = m[1];
  const host = target.forcePathStyle ? m[2]! : `${target.bucket}.${m[2]}`;
  const base = target.forcePathStyle ? `/${target.bucket}` : "";
  const path = call.key ? `${base}/${call.key}` : base || "/";
  const query = (call.query ?? [])
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const { date, stamp } = amzDate(nowMs);
  const payloadHash = toHex(sha256(utf8(call.body ?? "")));
  const headers: Record<string, string> = { ...(call.headers ?? {}), host, "x-amz-content-sha256": payloadHash, "x-amz-date": stamp };
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(";");
  const canonical = [
    call.method,
    uriEncode(path, true),
    query,
    ...names.map((k) => `${k}:${headers[k]!.trim()}`),
    "",
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${date}/${target.region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", stamp, scope, toHex(sha256(utf8(canonical)))].join("\n");
  let key = hmacSha256(utf8(`AWS4${creds.secretAccessKey}`), utf8(date));
  for (const part of [target.region, "s3", "aws4_request"]) key = hmacSha256(key, utf8(part));
  const signature = toHex(hmacSha256(key, utf8(toSign)));
  const out: Record<string, string> = {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
  delete out.host; // the HTTP client sets it from the URL
  return { url: `${scheme}://${host}${uriEncode(path, true)}${query ? "?" + query : ""}`, headers: out };
}

/** A signed GET `?list-type=2` for one page (up to `maxKeys` keys) of the replica prefix (or `prefix`). */
export function signedListRequest(
  target: ReplicaTarget,
  creds: Credentials,
  nowMs: number,
  continuationToken?: string,
  maxKeys = 1000,
  prefix = target.prefix,
): SignedRequest {
  const query: [string, string][] = [
    ["list-type", "2"],
    ["max-keys", String(maxKeys)],
    ["prefix", prefix],
  ];
  if (continuationToken) query.push(["continuation-token", continuationToken]);
  return signedRequest(target, creds, nowMs, { method: "GET", key: "", query });
}

function xmlText(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/** One ListObjectsV2 page: objects (keys as stored), and the token for the next page. */
export function parseListObjectsV2(xml: string): { objects: RemoteObject[]; nextToken: string | null } {
  const objects: RemoteObject[] = [];
  const re = /<Contents>([\s\S]*?)<\/Contents>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    const part = m[1]!;
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(part)?.[1];
    const mod = /<LastModified>([\s\S]*?)<\/LastModified>/.exec(part)?.[1];
    const size = /<Size>(\d+)<\/Size>/.exec(part)?.[1];
    if (key === undefined || !mod) continue;
    objects.push({ key: xmlText(key), modTimeMs: Date.parse(mod), size: Number(size ?? 0) });
  }
  const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
  const token = /<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)?.[1];
  return { objects, nextToken: truncated && token ? xmlText(token) : null };
}

/** S3 error codes that mean "these keys are not accepted". XAdminUserNotFound is versitygw's
 * answer (404) for an access key id it does not know, where AWS and Spaces say InvalidAccessKeyId. */
const CREDENTIAL_CODES = new Set([
  "XAdminUserNotFound",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "InvalidToken",
  "ExpiredToken",
  "AuthorizationHeaderMalformed",
  "InvalidSecurity",
]);

export interface ClassifiedError {
  kind: "unreachable" | "credentials" | "error";
  /** Safe to show: status + S3 code, or the network failure class. Never the raw text. */
  detail: string;
}

/** From an HTTP status and an S3 error XML body (own client). */
export function classifyS3Response(status: number, body: string): ClassifiedError {
  const code = /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(body)?.[1] ?? "";
  if (CREDENTIAL_CODES.has(code) || (!code && (status === 401 || status === 403)))
    return { kind: "credentials", detail: `${status}${code ? " " + code : ""}` };
  return { kind: "error", detail: `${status}${code ? " " + code : ""}` };
}

/**
 * From an error thrown by $filesystem.s3 (PocketBase formats S3 errors as `<status> <Code>: <msg>`
 * followed by the raw body) or by $http.send (Go network errors).
 */
export function classifyThrown(message: string): ClassifiedError {
  const s3 = /(?:^|\s|:)([1-5]\d\d) ([A-Za-z][A-Za-z0-9.]{0,63})(?::|\s|$)/.exec(message);
  if (s3 && !/dial|connect|timeout|deadline/i.test(message.slice(0, s3.index)))
    return classifyS3Response(Number(s3[1]), `<Code>${s3[2]}</Code>`);
  return { kind: "unreachable", detail: networkClass(message) };
}

export function networkClass(message: string): string {
  if (/connection refused/i.test(message)) return "connection refused";
  if (/timeout|deadline exceeded|Client\.Timeout/i.test(message)) return "timeout";
  if (/no such host|server misbehaving|lookup /i.test(message)) return "DNS lookup failed";
  if (/connection reset|broken pipe|EOF/i.test(message)) return "connection reset";
  if (/certificate|x509|tls/i.test(message)) return "TLS error";
  if (/network is unreachable|no route to host/i.test(message)) return "network unreachable";
  return "network error";
}
