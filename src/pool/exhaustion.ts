// Pool exhaustion, from counts. PocketBase keeps a fixed pool of JS VMs and builds a throwaway VM
// for each handler call that finds them all busy (plugins/jsvm/pool.go). pb-ops counts the VMs in
// which its middleware started; pooled VMs are reused forever, so starts beyond the pool size are
// throwaway VMs, one request each. Pure.

/** The pool size PocketBase runs with, from its command line (`--hooksPool N` or `--hooksPool=N`). */
export function poolSizeFromArgs(args: readonly string[], fallback: number): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let v: string | undefined;
    if (a === "--hooksPool" || a === "-hooksPool") v = args[i + 1];
    else if (a.startsWith("--hooksPool=") || a.startsWith("-hooksPool=")) v = a.slice(a.indexOf("=") + 1);
    if (v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  return fallback;
}

export interface PoolReport {
  /** --hooksPool of this process. */
  size: number;
  /** VMs in which pb-ops's middleware started since boot. */
  vmStarts: number;
  /**
   * Requests that ran in a throwaway VM because the pool was busy: starts beyond the pool size.
   * A lower bound: a pooled VM that never ran pb-ops's middleware (busy with other hooks only)
   * leaves one throwaway uncounted.
   */
  beyondPool: number;
}

export function poolReport(size: number, vmStarts: number): PoolReport {
  return { size, vmStarts, beyondPool: Math.max(0, vmStarts - size) };
}

/** One WARN per interval across all VMs: true when the last one is at least `intervalMs` old. */
export function warnDue(lastWarnMs: number | undefined, nowMs: number, intervalMs: number): boolean {
  return lastWarnMs === undefined || nowMs - lastWarnMs >= intervalMs;
}
