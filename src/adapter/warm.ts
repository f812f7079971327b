// Warm pool: at serve, before the first request, the first pooled VMs load pb-ops's request path
// (pb_ops/hot.js, the stages, the plan parts), so users' first requests do not pay for it
// (measured in docs/bench.md, "cold start").
//
// PocketBase gives JS no way to address a pooled VM, and no request exists yet at serve time. But
// a cron job registered with cronAdd() runs its handler in a pooled VM, in the caller's goroutine,
// when its Job.run() is called, and the pool hands out the FIRST FREE VM (plugins/jsvm/pool.go).
// So onServe (after e.next(), before PocketBase starts serving) runs the job once; its handler
// warms its VM and, while that VM is still busy, runs the job again, which lands in the next free
// VM; and so on, WARM_MAX deep at most and never beyond --hooksPool (a VM beyond it would be a
// throwaway one). The job's schedule, February 31st, is never due, so it only ever runs this way
// (or from the dashboard's cron list, where it stops at the first VM that is already warm).
import { poolSize } from "./config";
import { logEvent } from "./log";
import { prepareVm } from "./pipeline";

export const WARM_JOB_ID = "__pbOpsWarmPool__";
/** Never due: February has no 31st. */
export const WARM_CRON = "0 0 31 2 *";
/**
 * VMs warmed at most: enough for the concurrent requests of a small instance; each warmed VM holds
 * the request path in memory (~0.4 MB more than an idle one, docs/performance.md), so a large
 * PB_HOOKS_POOL (240 in the kit, for realtime clients) is not warmed whole.
 */
export const WARM_MAX = 16;

const LEFT_KEY = "pbOps.warm.left";
const DONE_KEY = "pbOps.warm.done";

function runJob(): boolean {
  const jobs = $app.cron().jobs();
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i];
    if (job && job.id() === WARM_JOB_ID) {
      job.run();
      return true;
    }
  }
  return false;
}

/** The cron job's handler, in a pooled VM: warm this VM, then hand on to the next free one. */
export function warmVm(): void {
  if (!prepareVm()) return; // already warm: the chain stops here
  const store = $app.store();
  store.set(DONE_KEY, ((store.get(DONE_KEY) as number | undefined) ?? 0) + 1);
  const left = ((store.get(LEFT_KEY) as number | undefined) ?? 0) - 1;
  store.set(LEFT_KEY, left > 0 ? left : 0);
  // This VM stays busy until the nested run returns, so the pool gives the next one.
  if (left > 0) runJob();
}

/** SERVE_READY entry (loader VM, after e.next(): listening, not yet serving). */
export function warmPoolAtServe(_e: core.ServeEvent): void {
  const want = Math.min(poolSize(), WARM_MAX);
  if (want <= 0) return;
  const store = $app.store();
  store.set(LEFT_KEY, want);
  store.set(DONE_KEY, 0);
  const t0 = Date.now();
  try {
    if (!runJob()) {
      logEvent("warn", "VM pool not warmed: the warm-up cron job is not registered (is pb_ops.pb.js the current one?)", { job: WARM_JOB_ID });
      return;
    }
  } catch (err) {
    // Never a reason not to serve: the VMs then warm on their first requests, as without this.
    logEvent("warn", "VM pool warm-up failed; VMs will load pb-ops on their first requests", { error: String(err) });
    return;
  }
  logEvent("info", "VM pool warmed", { vms: (store.get(DONE_KEY) as number | undefined) ?? 0, of: poolSize(), ms: Date.now() - t0 });
}
