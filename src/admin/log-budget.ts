// Bounded logging of gate denials: a scanner can send thousands of /_/ requests a minute, and one
// log line each would let it flood the logs. At most `perWindow` denials are logged per window
// (shared by all VMs through $app.store().setFunc, which runs this under its lock); the count of
// the rest is reported once when the next window opens.
export interface LogBudget {
  readonly windowStartMs: number;
  readonly logged: number;
  readonly suppressed: number;
}

export interface BudgetStep {
  readonly next: LogBudget;
  /** Log this denial. */
  readonly log: boolean;
  /** Denials suppressed in the window that just closed (report them once). */
  readonly reportSuppressed: number;
}

/** `carried`: denials a VM suppressed on its own since it last spent (counted as suppressed here). */
export function spendLogBudget(prev: LogBudget | undefined, nowMs: number, perWindow: number, windowMs: number, carried = 0): BudgetStep {
  let cur = prev ?? { windowStartMs: nowMs, logged: 0, suppressed: 0 };
  if (carried > 0) cur = { ...cur, suppressed: cur.suppressed + carried };
  let reportSuppressed = 0;
  if (nowMs - cur.windowStartMs >= windowMs || nowMs < cur.windowStartMs) {
    reportSuppressed = cur.suppressed;
    cur = { windowStartMs: nowMs, logged: 0, suppressed: 0 };
  }
  if (cur.logged < perWindow) return { next: { ...cur, logged: cur.logged + 1 }, log: true, reportSuppressed };
  return { next: { ...cur, suppressed: cur.suppressed + 1 }, log: false, reportSuppressed };
}
