// The in-VM stage profiler (src/adapter/profile.ts) as its own hook-folder file: it is never in the
// production bundles, so the benches that time stages inside the VM (npm run bench:profile and the
// request counters' cost in npm run bench) bundle it beside pb-ops's hooks themselves.
import { fileURLToPath } from "node:url";
import { ALL_STAGES, bundleLibrary } from "../build.mjs";

/** The file name the probes require: `${__hooks}/pb_ops_profile.js`. */
const PROFILER_FILE = "pb_ops_profile.js";

/** extraHooks entry holding the profiler bundle, built with every stage the full stack runs. */
export async function profilerHooks(): Promise<Record<string, string>> {
  const { code } = await bundleLibrary(fileURLToPath(new URL("../src/adapter/profile.ts", import.meta.url)), PROFILER_FILE, ALL_STAGES);
  return { [PROFILER_FILE]: code };
}
