// pb-ops's logger: one line per record on stdout (see stdout.ts), filtered by PB_LOG_LEVEL,
// formatted per PB_LOG_FORMAT, and mirrored to PocketBase's own log store per PB_LOG_MIRROR.
import type { LogLevel } from "../log/levels";
import { accessFields, accessLineJson, type RequestFacts } from "../log/access";
import { formatJson, formatText, type LogRecord } from "../log/format";
import { levelEnabled } from "../log/levels";
import { makeRedactor, type Redactor } from "../log/redact";
import { configSection } from "./config";
import { writeLine } from "./stdout";
import { REQUEST_ID_HEADER } from "../log/request-id";

export type Fields = Record<string, unknown>;

let redactor: Redactor | undefined;

export function getRedactor(): Redactor {
  if (!redactor) redactor = makeRedactor(configSection("log").redact);
  return redactor;
}

// The access line needs the redactor only for a URI with a query: a new VM whose one request has
// none (a throwaway VM serving /api/health) never builds it (its word list, memos and closures).
const accessRedactor = { path: (uri: string) => getRedactor().path(uri) };

/** Writes one event record if its level passes; mirrored unless PB_LOG_MIRROR=off. */
function emitEvent(level: LogLevel, msg: string, fields: Fields | undefined): void {
  const cfg = configSection("log");
  if (!levelEnabled(cfg.level, level)) return;
  // Event fields can hold anything: names that look sensitive are redacted.
  const safe = fields ? getRedactor().fields(fields) : undefined;
  const rec: LogRecord = { timeMs: Date.now(), level, msg, fields: safe };
  writeLine(cfg.format === "json" ? formatJson(rec) : formatText(rec));
  if (cfg.mirror !== "off") mirror(level, msg, safe);
}

/**
 * Writes one access line if its level passes; true when it was written. Its fields are built by
 * pb-ops from known names with the path already redacted; the JSON form is the per-request hot
 * path (see accessLineJson).
 */
export function emitAccess(level: LogLevel, facts: RequestFacts): boolean {
  const cfg = configSection("log");
  if (!levelEnabled(cfg.level, level)) return false;
  const timeMs = Date.now();
  const redactor = accessRedactor;
  writeLine(
    cfg.format === "json"
      ? accessLineJson(timeMs, level, facts, redactor)
      : formatText({ timeMs, level, msg: "request", fields: accessFields(facts, redactor) }),
  );
  if (cfg.mirror === "all") mirror(level, "request", accessFields(facts, redactor));
  return true;
}

function mirror(level: LogLevel, msg: string, fields: Fields | undefined): void {
  try {
    const args: unknown[] = [];
    if (fields) for (const k of Object.keys(fields)) args.push(k, fields[k]);
    const logger = $app.logger() as unknown as Record<LogLevel, (msg: string, ...args: unknown[]) => void>;
    logger[level](msg, ...args);
  } catch {
    // PocketBase's log store is a convenience copy; stdout already has the line.
  }
}

/** A pb-ops event (boot summary, rate-limit rejection, gate denial, backup status change...). */
export function logEvent(level: LogLevel, msg: string, fields?: Fields, state?: { requestId: string }): void {
  emitEvent(level, msg, state?.requestId ? { ...fields, requestId: state.requestId } : fields);
}

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** The same logger with the request's id on every line (`log.forRequest(e).info(...)`). */
  forRequest(e: core.RequestEvent): Logger;
}

function makeLogger(state?: { requestId: string }): Logger {
  return {
    debug: (msg, fields) => logEvent("debug", msg, fields, state),
    info: (msg, fields) => logEvent("info", msg, fields, state),
    warn: (msg, fields) => logEvent("warn", msg, fields, state),
    error: (msg, fields) => logEvent("error", msg, fields, state),
    forRequest: (e) => makeLogger({ requestId: e.response.header().get(REQUEST_ID_HEADER) }),
  };
}

// Marked pure for the bundler: the request middleware's bundle (pb_ops/hot.js) never uses it, and
// its five closures would otherwise be made in every new VM.
/** The logger app teams use inside their own hooks: `log.info("msg", { fields })`. */
export const log: Logger = /* @__PURE__ */ makeLogger();
