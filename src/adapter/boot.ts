// Runs at the top level of pb_ops.pb.js, in PocketBase's loader VM, before the app serves (and for
// every CLI command). A bad PB_* value must stop PocketBase here, with one line, not at the first
// request.
import { checkConfig } from "../config/checks";
import { ConfigError, type Env } from "../config/load";
import { publishSharedPlan } from "./config";
import { buildSharedPlan } from "../config/shared-plan";
import { onServe } from "./serve";
import { captureStdout } from "./stdout";
import { STORE } from "./keys";

export function boot(): void {
  let hotFile = "hot.js";
  try {
    // Validated once here; every request VM then reads the result from the store.
    const { plan, entries } = buildSharedPlan(process.env as Env, $os.args as string[]);
    checkConfig(plan.config, process.env as Env);
    publishSharedPlan(plan, entries);
    hotFile = plan.hotFile;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    $os.exit(1);
  }
  requireHotFile(hotFile);
  $app.store().set(STORE.startedAt, Date.now());
  captureStdout();
  $app.onServe().bindFunc((e: core.ServeEvent) => {
    onServe(e);
  });
}

/**
 * The middleware bundle chosen for this config must be there: a partial copy of pb_hooks/ without
 * it would fail every request. Stops boot with one line, like a bad value.
 */
function requireHotFile(file: string): void {
  const path = `${__hooks}/pb_ops/${file}`;
  try {
    $os.stat(path);
  } catch {
    console.error(
      `pb-ops: ${path} not found: copy the whole pb_hooks/ folder (pb_ops/ included); stopping rather than serving without pb-ops`,
    );
    $os.exit(1);
  }
}

export function startedAtMs(): number {
  return $app.store().getOrSet(STORE.startedAt, () => Date.now()) as number;
}
