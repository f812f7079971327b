// The log levels, in one table: the names PB_LOG_LEVEL accepts (in order of severity), the name a
// line carries, and the filter.
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The level as a line carries it (slog's spelling), precomputed: no toUpperCase per line. */
// Literals, not derived by a loop: this module's top level runs in every new VM (pb_ops/hot.js).
// tests/log/levels.test.ts checks both against LOG_LEVELS.
export const LEVEL_NAMES: Readonly<Record<LogLevel, string>> = { debug: "DEBUG", info: "INFO", warn: "WARN", error: "ERROR" };
const ORDER: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** The severity order, for tests/log/levels.test.ts. */
export function levelOrder(level: LogLevel): number {
  return ORDER[level];
}

export function levelEnabled(min: LogLevel, level: LogLevel): boolean {
  return ORDER[level] >= ORDER[min];
}
