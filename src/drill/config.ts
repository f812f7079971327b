// PB_RESTORE_DRILL: when the restore drill runs (src/adapter/drill.ts). PocketBase's cron has
// minute granularity and runs in the server's time zone (UTC in containers); a named schedule is
// spelled out here so the docs can say exactly when it runs.
import { defineVar, InvalidValue, isKeyword } from "../config/vars";

export interface DrillSchedule {
  /** "auto": `daily` when a replica is configured, else off (decided at serve time). */
  mode: "off" | "auto" | "cron";
  /** 5-field cron expression for PocketBase's cronAdd. */
  expr: string | null;
  /** Longest gap between two runs, for the audit's age check. */
  everyMs: number | null;
}

const MINUTE = 60_000;
const NAMED: Record<string, { expr: string; everyMs: number }> = {
  hourly: { expr: "17 * * * *", everyMs: 60 * MINUTE },
  daily: { expr: "17 3 * * *", everyMs: 24 * 60 * MINUTE },
  weekly: { expr: "17 3 * * 0", everyMs: 7 * 24 * 60 * MINUTE },
};

const FIELDS: Array<[string, number, number]> = [
  ["minute", 0, 59],
  ["hour", 0, 23],
  ["day of month", 1, 31],
  ["month", 1, 12],
  ["day of week", 0, 6],
];

/** One cron field: `*`, `*\/n`, `a`, `a-b`, `a-b/n`, comma lists of those; numbers in range. */
function checkField(text: string, [name, min, max]: [string, number, number]): void {
  for (const part of text.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new InvalidValue(`bad ${name} field ${JSON.stringify(text)}`);
    const nums = [m[2], m[3]].filter((x) => x !== undefined).map(Number);
    if (nums.some((n) => n < min || n > max)) throw new InvalidValue(`${name} out of range ${min}..${max}`);
    if (nums.length === 2 && nums[0]! > nums[1]!) throw new InvalidValue(`${name} range ${part} is backwards`);
    if (m[4] !== undefined && Number(m[4]) < 1) throw new InvalidValue(`${name} step must be at least 1`);
  }
}

/**
 * The longest gap of a cron expression, roughly: the period of the coarsest field that is not `*`.
 * Used only to say when the last drill is overdue.
 */
function periodOf(fields: string[]): number {
  if (fields[4] !== "*") return 7 * 24 * 60 * MINUTE;
  if (fields[2] !== "*" || fields[3] !== "*") return 31 * 24 * 60 * MINUTE;
  if (fields[1] !== "*") return 24 * 60 * MINUTE;
  if (fields[0] !== "*") return 60 * MINUTE;
  return MINUTE;
}

export function parseDrillSchedule(raw: string): DrillSchedule {
  const v = raw.trim().toLowerCase();
  if (isKeyword(v, "off")) return { mode: "off", expr: null, everyMs: null };
  if (isKeyword(v, "auto")) return { mode: "auto", expr: NAMED.daily!.expr, everyMs: NAMED.daily!.everyMs };
  const named = NAMED[v];
  if (named) return { mode: "cron", ...named };
  const fields = v.split(/\s+/);
  if (fields.length !== 5) throw new InvalidValue("not off, auto, hourly, daily, weekly or a 5-field cron expression");
  fields.forEach((f, i) => {
    checkField(f, FIELDS[i]!);
  });
  return { mode: "cron", expr: fields.join(" "), everyMs: periodOf(fields) };
}

export const drillVars = {
  schedule: defineVar({
    name: "PB_RESTORE_DRILL",
    default: "auto",
    example: "daily",
    accepted:
      "`auto`, `off`, `hourly`, `daily`, `weekly`, or a 5-field cron expression (minute hour day-of-month month day-of-week, e.g. `30 4 * * *`)",
    meaning:
      "When the restore drill runs: it restores the replica with Litestream into a temporary file, runs `PRAGMA integrity_check`, compares row counts with the live database, records duration and size, and deletes the copy. `auto` = `daily` (03:17 server time, UTC in containers) when a replica is configured, else off. `hourly` = minute 17 of each hour; `weekly` = Sunday 03:17. See docs/operations.md.",
    parse: parseDrillSchedule,
  }),
};
