// The access line for one request, from plain request facts. The adapter gathers the facts from
// PocketBase's request event; everything here is pure.
import { LEVEL_NAMES, type LogLevel } from "./levels";
import type { Redactor } from "./redact";

export interface RequestFacts {
  method: string;
  /** Path plus `?query` as received. */
  uri: string;
  status: number;
  durationMs: number;
  ip: string;
  requestId: string;
  userAgent: string;
  authCollection?: string;
  authId?: string;
  errorMessage?: string;
  extra?: Readonly<AccessOutcomes>;
}

/**
 * What the pipeline's stages decided, for the access line (set by pb-ops only). Fixed names, not a
 * free-form record: copying known properties is far cheaper in goja than iterating an object.
 */
export interface AccessOutcomes {
  adminGate?: string;
  cors?: string;
  rateLimit?: string;
  rateLimitRule?: string;
}

export function accessLevel(status: number): LogLevel {
  return status >= 500 ? "error" : status >= 400 ? "warn" : "info";
}

/** Sampling keeps every error and 4xx; only successful lines are thinned. `rand` in [0, 1). */
export function keepAccessLine(status: number, sample: number, rand: number): boolean {
  return status >= 400 || sample >= 1 || rand < sample;
}

/** Caps client-controlled strings so one request cannot write an unbounded line. */
function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}...[${s.length - max} more]`;
}

/** Only the redactor's `path` is used, and only for a URI with a query. */
export type PathRedactor = Pick<Redactor, "path">;

export function accessFields(f: RequestFacts, redactor: PathRedactor): Record<string, unknown> {
  return fillAccess({}, f, redactor);
}

/**
 * The access line as JSON, written as a string in slog's key order: byte for byte what
 * `JSON.stringify` of the generic record gives (tests/log-format.test.ts checks it with hostile
 * strings), for about half the VM time. Each client-controlled string goes through
 * `JSON.stringify` alone (the engine's own escaping, so no hand-written escaper can disagree with
 * it); values pb-ops makes itself are checked or fixed. No intermediate object, no per-key work:
 * in goja a 12-field object plus one stringify of it cost 15-25 us, the pieces below about half.
 * Undefined fields are left out, as JSON.stringify leaves them out.
 */
export function accessLineJson(timeMs: number, level: LogLevel, f: RequestFacts, redactor: PathRedactor): string {
  const method = f.method;
  const uri = f.uri;
  const path = uri.indexOf("?") < 0 ? uri : redactor.path(uri);
  const ua = f.userAgent;
  let line = `{"time":"${isoTime(timeMs)}","level":"${LEVEL_NAMES[level]}","msg":"request","method":${JSON.stringify(method.length <= 16 ? method : clip(method, 16))},"path":${JSON.stringify(path.length <= 2048 ? path : clip(path, 2048))},"status":${num(f.status)},"durationMs":${num(Math.round(f.durationMs * 100) / 100)},"ip":${JSON.stringify(f.ip)},"requestId":${JSON.stringify(f.requestId)}`;
  if (ua) line += `,"userAgent":${JSON.stringify(ua.length <= 512 ? ua : clip(ua, 512))}`;
  if (f.authCollection !== undefined) line += `,"authCollection":${JSON.stringify(f.authCollection)}`;
  if (f.authId !== undefined) line += `,"authId":${JSON.stringify(f.authId)}`;
  if (f.errorMessage !== undefined) line += `,"error":${JSON.stringify(clip(f.errorMessage, 1024))}`;
  const x = f.extra;
  if (x) {
    if (x.adminGate !== undefined) line += `,"adminGate":${JSON.stringify(x.adminGate)}`;
    if (x.cors !== undefined) line += `,"cors":${JSON.stringify(x.cors)}`;
    if (x.rateLimit !== undefined) line += `,"rateLimit":${JSON.stringify(x.rateLimit)}`;
    if (x.rateLimitRule !== undefined) line += `,"rateLimitRule":${JSON.stringify(x.rateLimitRule)}`;
  }
  return line + "}";
}

/** A number as JSON.stringify writes it (non-finite numbers are `null`). `n - n === 0` is
 * Number.isFinite for a number, without making goja build Number's statics in a new VM. */
function num(n: number): string {
  return n - n === 0 ? String(n) : "null";
}

// `new Date(ms).toISOString()` costs several us in goja; the text only changes its milliseconds
// within a second, so the rest is kept from the last call (per VM).
let isoSecond = NaN;
let isoPrefix = "";

/** `new Date(ms).toISOString()` for a whole-millisecond time, with the date part cached per second. */
function isoTime(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== isoSecond) {
    const iso = new Date(ms).toISOString();
    // Years beyond 9999 (or before 0) change the shape: not cached.
    if (iso.length !== 24) return iso;
    isoSecond = sec;
    isoPrefix = iso.slice(0, 20);
  }
  const m = Math.floor(ms - sec * 1000);
  return isoPrefix + (m >= 100 ? String(m) : m >= 10 ? "0" + m : "00" + m) + "Z";
}

/**
 * Adds the access fields to `out` one property at a time (cheap in goja, unlike spread). Every
 * function call costs ~1-2 us in goja, so the common case (short values, no query) calls none.
 */
function fillAccess(out: Record<string, unknown>, f: RequestFacts, redactor: PathRedactor): Record<string, unknown> {
  const method = f.method;
  out.method = method.length <= 16 ? method : clip(method, 16);
  const path = f.uri.indexOf("?") < 0 ? f.uri : redactor.path(f.uri);
  out.path = path.length <= 2048 ? path : clip(path, 2048);
  out.status = f.status;
  out.durationMs = Math.round(f.durationMs * 100) / 100;
  out.ip = f.ip;
  out.requestId = f.requestId;
  const ua = f.userAgent;
  out.userAgent = ua ? (ua.length <= 512 ? ua : clip(ua, 512)) : undefined;
  out.authCollection = f.authCollection;
  out.authId = f.authId;
  out.error = f.errorMessage !== undefined ? clip(f.errorMessage, 1024) : undefined;
  const x = f.extra;
  if (x) {
    out.adminGate = x.adminGate;
    out.cors = x.cors;
    out.rateLimit = x.rateLimit;
    out.rateLimitRule = x.rateLimitRule;
  }
  return out;
}

/**
 * Status PocketBase will answer for an error that escaped the handler chain, mirroring
 * tools/router/error.go ToApiError: an ApiError keeps its status; "not found" errors are 404;
 * anything else becomes 400. `err` is whatever JS caught: a PocketBase ApiError object, a GoError
 * wrapper ({value}), or a plain JS Error.
 */
export function statusOfError(err: unknown): number {
  const e = err as { status?: unknown; value?: { status?: unknown; error?: () => string }; message?: unknown } | null;
  const direct = typeof e?.status === "number" ? e.status : typeof e?.value?.status === "number" ? e.value.status : undefined;
  if (direct !== undefined && direct >= 100 && direct <= 599) return direct;
  const msg = messageOfError(err);
  if (/no rows in result set|file does not exist/.test(msg)) return 404;
  return 400;
}

export function messageOfError(err: unknown): string {
  const e = err as { message?: unknown; value?: { message?: unknown } } | null;
  if (typeof e?.value?.message === "string" && e.value.message) return e.value.message;
  if (typeof e?.message === "string") return e.message;
  return String(err);
}
