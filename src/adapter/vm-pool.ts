// Pool exhaustion made visible. Each VM counts itself once, when pb-ops's middleware first runs in
// it (one store update); starts beyond --hooksPool are requests that ran in a throwaway VM because
// every pooled VM was busy (long-lived realtime connections and slow downloads each hold one).
// Reported in /api/ops/health and in a WARN at most once a minute across all VMs.
import { poolReport, warnDue, type PoolReport } from "../pool/exhaustion";
import { getConfig, poolSize } from "./config";
import { STORE } from "./keys";
import { logEvent } from "./log";
import { appStore } from "./store";

const WARN_INTERVAL_MS = 60_000;

// setFunc callbacks made once per VM (a closure per call is converted to a Go func each time).
let starts = 0;
function increment(old: unknown): number {
  starts = (typeof old === "number" ? old : 0) + 1;
  return starts;
}
let warnNow = 0;
let warnIt = false;
let beyondAtLastWarn = 0;
function claimWarn(old: unknown): unknown {
  const last = old as { atMs: number; beyond: number } | null | undefined;
  warnIt = warnDue(last ? last.atMs : undefined, warnNow, WARN_INTERVAL_MS);
  beyondAtLastWarn = last ? last.beyond : 0;
  return warnIt ? { atMs: warnNow, beyond: poolReport(poolSize(), starts).beyondPool } : old;
}

/** Called once per VM, on the first request pb-ops's middleware sees in it. */
export function noteVmStart(): void {
  const store = appStore();
  store.setFunc(STORE.poolVmStarts, increment);
  const r = poolReport(poolSize(), starts);
  if (r.beyondPool === 0) return;
  warnNow = Date.now();
  // A read first: the claim below runs a callback under the store's write lock (a JS function
  // converted for Go on each call), and every throwaway VM gets here, while a warning is due at
  // most once a minute.
  const last = store.get(STORE.poolWarned) as { atMs: number } | null | undefined;
  if (last && !warnDue(last.atMs, warnNow, WARN_INTERVAL_MS)) return;
  store.setFunc(STORE.poolWarned, claimWarn);
  if (!warnIt) return;
  logEvent("warn", "VM pool exhausted: requests are running in throwaway VMs (slow); raise PB_HOOKS_POOL", {
    poolSize: r.size,
    beyondPool: r.beyondPool,
    sinceLastWarn: r.beyondPool - beyondAtLastWarn,
    hint: "every open realtime client or slow download holds one VM; see docs/performance.md",
  });
}

export function currentPoolReport(): PoolReport {
  const n = appStore().get(STORE.poolVmStarts);
  return poolReport(poolSize(), typeof n === "number" ? n : 0);
}

/**
 * SERVE_SETUPS entry: PocketBase reads only its --hooksPool flag, before any hook runs. A
 * PB_HOOKS_POOL that the command line does not carry is a setting with no effect: say so.
 */
export function poolServeSetup(_e: core.ServeEvent): void {
  const wanted = getConfig().pool.hooksPool;
  const size = poolSize();
  if (process.env.PB_HOOKS_POOL !== undefined && wanted !== size) {
    logEvent("warn", "PB_HOOKS_POOL is not in effect: PocketBase reads only its --hooksPool flag", {
      PB_HOOKS_POOL: wanted,
      hooksPool: size,
      hint: `start PocketBase with --hooksPool ${wanted} (deploy/entrypoint.sh and npm start pass it)`,
    });
  }
}
