// The log levels, in one table: the names PB_LOG_LEVEL accepts (in order of severity), the name a
// line carries, and the filter. Everything else derives from LOG_LEVELS.
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The level as a line carries it (slog's spelling), precomputed: no toUpperCase per line. */
export const LEVEL_NAMES = {} as Record<LogLevel, string>;
const ORDER = {} as Record<LogLevel, number>;
// An indexed loop, not forEach: this runs in every new VM (pb_ops/hot.js), and a callback is one
// more function object there.
for (let i = 0; i < LOG_LEVELS.length; i++) {
  LEVEL_NAMES[LOG_LEVELS[i]!] = LOG_LEVELS[i]!.toUpperCase();
  ORDER[LOG_LEVELS[i]!] = i;
}

export function levelEnabled(min: LogLevel, level: LogLevel): boolean {
  return ORDER[level] >= ORDER[min];
}
