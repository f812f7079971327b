// Performance work only, never in the production bundle: bench/profile.ts bundles this entry on its
// own next to pb-ops's hooks and calls it from a probe route (npm run bench:profile).
import { getConfig, stagePlan } from "./config";
import { buildStages } from "./pipeline";
import { newRequestState, type RequestState } from "./request-state";

/**
 * Runs each enabled stage `n` times on a real request and returns the mean microseconds per call,
 * named by stage. Stages have their usual side effects (headers set, tokens taken, lines written).
 */
export function profileStages(e: core.RequestEvent, n: number): Record<string, number> {
  const s = buildStages(stagePlan());
  const out: Record<string, number> = {};
  const time = (name: string, fn: () => unknown) => {
    const t0 = Date.now();
    for (let i = 0; i < n; i++) fn();
    out[name] = Math.round((((Date.now() - t0) * 1000) / n) * 10) / 10;
  };
  // A fresh state per call without re-reading the request (timed on its own as newRequestState).
  const b = newRequestState(e);
  const fresh = (requestId: string): RequestState => ({ ...b, requestId, fields: {} });
  time("newRequestState", () => newRequestState(e));
  s.pre.forEach((stage, i) => {
    time(`pre${i}:${stage.name || "anonymous"}`, () => stage(e, fresh("")));
  });
  s.post.forEach((stage, i) => {
    time(`post${i}:${stage.name || "anonymous"}`, () => stage(e, fresh("profile-00000001"), undefined));
  });
  time("getConfig", () => getConfig());
  // The whole pipeline as a request meets it, minus the handler.
  time("all stages", () => {
    const st = newRequestState(e);
    for (let i = 0; i < s.pre.length; i++) s.pre[i]!(e, st);
    for (let i = 0; i < s.post.length; i++) s.post[i]!(e, st, undefined);
  });
  return out;
}
