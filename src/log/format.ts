// One log record -> one line. JSON follows Go slog's JSONHandler shape (`time`, `level`, `msg`,
// then fields) so pb-ops lines read like PocketBase's own structured logs; text is for humans.
import { LEVEL_NAMES, type LogLevel } from "./levels";

export interface LogRecord {
  timeMs: number;
  level: LogLevel;
  msg: string;
  fields?: Readonly<Record<string, unknown>>;
}

/** The three slog keys. Compared, not a Set: this module is in every new VM (pb_ops/hot.js), and goja
 * builds Set's prototype in a VM on its first use there (~30 us, docs/performance.md). */
function reserved(k: string): boolean {
  return k === "time" || k === "level" || k === "msg";
}

export function formatJson(rec: LogRecord): string {
  const out: Record<string, unknown> = { time: new Date(rec.timeMs).toISOString(), level: LEVEL_NAMES[rec.level], msg: rec.msg };
  if (rec.fields) {
    for (const k of Object.keys(rec.fields)) {
      const v = rec.fields[k];
      if (v === undefined) continue;
      // Fields never overwrite the three slog keys; they move aside instead of being lost.
      out[reserved(k) ? `field.${k}` : k] = v;
    }
  }
  return safeStringify(out);
}

export function formatText(rec: LogRecord): string {
  let line = `${new Date(rec.timeMs).toISOString()} ${LEVEL_NAMES[rec.level].padEnd(5)} ${rec.msg}`;
  if (rec.fields) {
    for (const k of Object.keys(rec.fields)) {
      const v = rec.fields[k];
      if (v === undefined) continue;
      const s = typeof v === "string" ? v : safeStringify(v);
      line += ` ${k}=${/[\s"=]/.test(s) || s === "" ? JSON.stringify(s) : s}`;
    }
  }
  return line.replace(/[\r\n]+/g, " ");
}

/**
 * JSON.stringify that never throws (cycles, BigInt) and never emits a raw newline. The plain call
 * comes first: a replacer function costs a JS call per key, which goja makes slow on the hot path.
 */
function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? "null";
  } catch {
    try {
      return JSON.stringify(v, (_k, val) => (typeof val === "bigint" ? val.toString() : val)) ?? "null";
    } catch {
      return JSON.stringify(String(v));
    }
  }
}
