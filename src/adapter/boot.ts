// Runs at the top level of pb_ops.pb.js, in PocketBase's loader VM, before the app serves (and for
// every CLI command). A bad PB_* value must stop PocketBase here, with one line, not at the first
// request.
import { checkConfig } from "../config/checks";
import { ConfigError } from "../config/load";
import { publishSharedPlan } from "./config";
import { buildSharedPlan } from "../config/shared-plan";
import { leaseBootError } from "./lease";
import { onServe } from "./serve";
import { captureStdout } from "./stdout";

const STARTED_AT_KEY = "pbOps.startedAt";

export function boot(): void {
  try {
    // Validated once here; every request VM then reads the result from the store.
    const { plan, entries } = buildSharedPlan(process.env as Record<string, string | undefined>, $os.args as string[]);
    checkConfig(plan.config);
    publishSharedPlan(plan, entries);
    const leaseErr = leaseBootError();
    if (leaseErr) throw leaseErr;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    $os.exit(1);
  }
  $app.store().set(STARTED_AT_KEY, Date.now());
  captureStdout();
  $app.onServe().bindFunc((e: core.ServeEvent) => {
    onServe(e);
  });
}

export function startedAtMs(): number {
  return $app.store().getOrSet(STARTED_AT_KEY, () => Date.now()) as number;
}
