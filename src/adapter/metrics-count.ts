// The request counters' post stage (in pb_ops/hot.js, so kept small). Each VM counts into its own
// array (a few increments, ~1 us) and merges it into the shared total in $app.store() with one
// setFunc at most once a second. The first request of a VM is added at once, as a small delta
// appended to the shared text, so a throwaway VM's one request is never lost and costs no merge. A pooled VM that falls idle holds back at most its last second of counts
// until its next request (counters are monotonic: late, not lost). See docs/metrics.md.
import { appendDelta, deltaOf, mergeInto, newLocal, record, reset, type Local, type RequestFacts } from "../metrics/counters";
import { statusOfError } from "../log/access";
import { configSection } from "./config";
import { EVENT, STORE } from "./keys";
import type { PostStage } from "./stage";
import { appStore } from "./store";

const FLUSH_MS = 1000;
/** Also merge after this many requests, to bound the work of one merge. */
const FLUSH_REQUESTS = 2000;

let local: Local | undefined;
let lastFlushMs = 0;
// One facts object and one merge callback per VM: no allocation per request, and setFunc gets the
// same function each time.
const facts: RequestFacts = { method: "", path: "", status: 0, durationMs: 0 };
function merge(old: unknown): string {
  return mergeInto(typeof old === "string" ? old : undefined, local!);
}
/** This VM has counted its first request (see countRequest). */
let counted = false;
let firstDelta = "";
function appendFirst(old: unknown): string {
  return appendDelta(typeof old === "string" ? old : undefined, firstDelta);
}

/** Merges this VM's counts into the shared total now. */
function flushMetrics(nowMs: number): void {
  if (!local || local.pending === 0) return;
  appStore().setFunc(STORE.metricsTotals, merge);
  reset(local);
  lastFlushMs = nowMs;
}

export const countRequest: PostStage = (e, state, error) => {
  try {
    const now = Date.now();
    facts.method = state.method;
    facts.path = state.path;
    facts.status = error !== undefined && !e.written() ? statusOfError(error) : e.status() || 200;
    facts.durationMs = now - state.startedAtMs;
    const f = state.fields;
    facts.adminGate = f.adminGate;
    facts.rateLimit = f.rateLimit;
    facts.rateLimitRule = f.rateLimitRule;
    // A route's own rateLimit() leaves its decision on the event; the access line copies it into
    // the fields, so it is read here only when that line is off.
    if (!configSection("log").access) {
      const routeLimit = e.get(EVENT.routeRateLimit) as string | null | undefined;
      if (routeLimit) {
        const sp = routeLimit.indexOf(" ");
        facts.rateLimit = routeLimit.slice(0, sp);
        facts.rateLimitRule = routeLimit.slice(sp + 1);
      }
    }
    // A VM's first request: one small delta appended to the shared text, no per-VM array, no
    // merge (src/metrics/counters.ts): a throwaway VM serves only this one request. A pooled VM
    // makes its array on its second request and merges it as before.
    if (!counted) {
      counted = true;
      firstDelta = deltaOf(facts);
      appStore().setFunc(STORE.metricsTotals, appendFirst);
      lastFlushMs = now;
      return;
    }
    if (!local) local = newLocal();
    record(local, facts);
    if (now - lastFlushMs >= FLUSH_MS || local.pending >= FLUSH_REQUESTS || now < lastFlushMs) flushMetrics(now);
  } catch (err) {
    console.error(`pb-ops: metrics count failed: ${err}`);
  }
};
