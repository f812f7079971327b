// The log levels, in one table: the names PB_LOG_LEVEL accepts (in order of severity), the name a
// line carries, and the filter. Everything else derives from LOG_LEVELS.
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The level as a line carries it (slog's spelling), precomputed: no toUpperCase per line. */
export const LEVEL_NAMES = {} as Record<LogLevel, string>;
const ORDER = {} as Record<LogLevel, number>;
LOG_LEVELS.forEach((level, i) => {
  LEVEL_NAMES[level] = level.toUpperCase();
  ORDER[level] = i;
});

export function levelEnabled(min: LogLevel, level: LogLevel): boolean {
  return ORDER[level] >= ORDER[min];
}
