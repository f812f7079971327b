// Performance work only, never in the production bundle: bench/fresh-vm.ts bundles this entry on
// its own and evaluates it many times inside one real VM, each evaluation a new module instance
// with no per-VM state, as a throwaway VM meets pb-ops. It runs, one step at a time, what a new VM
// does before and during its first request, so each step can be timed across instances.
import { headerClass, stagePlan } from "./config";
import { buildStages } from "./pipeline";
import { newRequestState, type RequestState } from "./request-state";
import type { Stages } from "./stage";
import { noteVmStart } from "./vm-pool";

// The same modules as pb_ops/hot.js, so evaluating this bundle costs what evaluating hot.js costs.
export { handleRequest } from "./pipeline";
export { warmVm } from "./warm";

let stages: Stages | undefined;
let state: RequestState | undefined;

/**
 * Runs step `k` of a new VM's first request and returns its name, or undefined past the last step.
 * The steps are prepareVm's (src/adapter/pipeline.ts) in its order, then the request's own work:
 * the request state, each pre stage, each post stage (without the handler: `e.next()` is not called).
 */
export function freshStep(k: number, e: core.RequestEvent): string | undefined {
  const fixed: [string, () => void][] = [
    ["stagePlan", () => stagePlan()],
    ["buildStages", () => (stages = buildStages(stagePlan()))],
    ["noteVmStart", () => noteVmStart()],
    ["headerClass(api)", () => (stagePlan().headers ? headerClass("api") : undefined)],
    ["newRequestState", () => (state = newRequestState(e))],
  ];
  if (k < 0) return "(nothing)"; // the harness's own cost
  if (k < fixed.length) {
    fixed[k]![1]();
    return fixed[k]![0];
  }
  const s = stages!;
  let i = k - fixed.length;
  if (i < s.pre.length) {
    const stage = s.pre[i]!;
    stage(e, state!);
    return `pre${i}:${stage.name || "anonymous"}`;
  }
  i -= s.pre.length;
  if (i < s.post.length) {
    const stage = s.post[i]!;
    stage(e, state!, undefined);
    return `post${i}:${stage.name || "anonymous"}`;
  }
  return undefined;
}
