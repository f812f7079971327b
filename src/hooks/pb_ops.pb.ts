/// <reference path="../../types/types.d.ts" />
// pb-ops registration. PocketBase recompiles each handler below from its own source text, so each
// one only requires the library bundle and calls one function (checked by build.mjs).

// Top level: runs once per command in the loader VM. A bad PB_* value stops PocketBase here; it
// also binds pb-ops's serve-time set-up (see src/adapter/serve.ts).
// Fail closed: PocketBase only logs a hook file that throws here and serves on without pb-ops (no
// headers, no limiter, no admin gate), so a bundle that cannot load stops it with one line.
try {
  require(`${__hooks}/pb_ops/index.js`).boot();
} catch (err) {
  let missing = false;
  try {
    $os.stat(`${__hooks}/pb_ops/index.js`);
  } catch {
    missing = true;
  }
  console.error(
    `pb-ops: cannot load ${__hooks}/pb_ops/index.js: ${missing ? "file not found (copy the whole pb_hooks/ folder, pb_ops/ included)" : String(err).split("\n")[0]}; stopping rather than serving without pb-ops`,
  );
  $os.exit(1);
}

// Hidden admin path (src/adapter/admin.ts): Go's ServeMux answers GET /_ with a 301 to /_/ before
// any middleware runs, which would tell scanners the admin UI exists. An exact route for /_ makes
// the request reach pbOps like any other; it is only registered when the admin surface is guarded.
if (require(`${__hooks}/pb_ops/index.js`).adminSurfaceGuarded()) {
  routerAdd("GET", "/_", (e) => require(`${__hooks}/pb_ops/index.js`).adminBareUnderscore(e));
}

// The one request middleware; the priority is PIPELINE_PRIORITY in src/adapter/pipeline.ts
// (after PocketBase loads the auth token, before its security headers and rate limiter).
// It runs on every request, so it keeps its module on its VM's global object: require() itself
// costs ~10 us per call in goja (path resolution), a global lookup well under 1 us. It loads
// pb_ops/hot.js, the middleware alone: in a new VM (a throwaway one when the pool is exhausted)
// only that small bundle's top-level code runs (docs/performance.md). Or hot-lean.js, the same
// without the admin gate and the rate limiter, when both are off: boot names the file in the store
// under "pbOps.hotFile" (STORE.hotFile in src/adapter/keys.ts; a handler cannot import it).
routerUse(
  new Middleware(
    (e) =>
      (
        (globalThis as any).__pbOpsHot ||
        ((globalThis as any).__pbOpsHot = require(`${__hooks}/pb_ops/${$app.store().get("pbOps.hotFile") || "hot.js"}`))
      ).handleRequest(e),
    require(`${__hooks}/pb_ops/index.js`).PIPELINE_PRIORITY,
    "pbOps",
  ),
);

// Pool warm-up (src/adapter/warm.ts): a job that is never due; onServe runs it so each of the first
// pooled VMs loads the request path before any request. Same module cache as the middleware.
cronAdd(require(`${__hooks}/pb_ops/index.js`).WARM_JOB_ID, require(`${__hooks}/pb_ops/index.js`).WARM_CRON, () =>
  (
    (globalThis as any).__pbOpsHot ||
    ((globalThis as any).__pbOpsHot = require(`${__hooks}/pb_ops/${$app.store().get("pbOps.hotFile") || "hot.js"}`))
  ).warmVm(),
);

// Batch sub-requests skip router middlewares: the admin gate and the rate limiter meet each one in
// onBatchRequest (src/adapter/batch.ts), registered only when either runs.
if (require(`${__hooks}/pb_ops/index.js`).batchHookNeeded()) {
  onBatchRequest((e) => require(`${__hooks}/pb_ops/index.js`).onBatchRequest(e));
}

routerAdd("GET", "/api/ops/health", (e) => require(`${__hooks}/pb_ops/index.js`).health(e));

routerAdd("GET", "/api/ops/backup-status", (e) => require(`${__hooks}/pb_ops/index.js`).backupStatus(e));

// Deploy lease (src/adapter/lease.ts): `pocketbase pb-ops lease claim|hold|release`, run by the
// entrypoint, and the loopback route its agent calls to make the server re-read its role.
$app.rootCmd!.addCommand(
  new Command({
    use: "pb-ops",
    short: "pb-ops deploy lease (used by the container entrypoint)",
    run: (_cmd, args) => require(`${__hooks}/pb_ops/index.js`).leaseCommand(args),
  }),
);

routerAdd("POST", "/api/ops/lease/refresh", (e) => require(`${__hooks}/pb_ops/index.js`).leaseRefresh(e));

// Production audit (src/adapter/audit.ts), restore drill (src/adapter/drill.ts) and alerts
// (src/adapter/alert.ts). Cron jobs run in a pooled VM, which they hold while they run.
// The drill's verifier: `pocketbase pb-ops-drill verify TABLE... --dir <restored copy>`.
$app.rootCmd!.addCommand(
  new Command({
    use: "pb-ops-drill",
    short: "pb-ops restore drill: verify a restored copy (run by the drill itself)",
    hidden: true,
    run: (_cmd, args) => require(`${__hooks}/pb_ops/index.js`).drillCommand(args),
  }),
);

routerAdd("GET", "/api/ops/audit", (e) => require(`${__hooks}/pb_ops/index.js`).audit(e));

routerAdd("POST", "/api/ops/restore-drill", (e) => require(`${__hooks}/pb_ops/index.js`).restoreDrillRoute(e));

if (require(`${__hooks}/pb_ops/index.js`).drillSchedule()) {
  cronAdd("pbOpsRestoreDrill", require(`${__hooks}/pb_ops/index.js`).drillSchedule(), () =>
    require(`${__hooks}/pb_ops/index.js`).drillCron(),
  );
}

if (require(`${__hooks}/pb_ops/index.js`).alertsEnabled()) {
  cronAdd("pbOpsAlerts", "* * * * *", () => require(`${__hooks}/pb_ops/index.js`).alertTick());
}

// Metrics (src/adapter/metrics.ts): the Prometheus endpoint, the ops page behind the admin gate
// (under /_/, so a refused request gets the same miss as any /_/ path) and its minute sample.
if (require(`${__hooks}/pb_ops/index.js`).metricsEnabled()) {
  routerAdd("GET", "/api/ops/metrics", (e) => require(`${__hooks}/pb_ops/index.js`).metricsRoute(e));
  cronAdd("pbOpsMetrics", "* * * * *", () => require(`${__hooks}/pb_ops/index.js`).metricsTick());
}
if (require(`${__hooks}/pb_ops/index.js`).opsPageEnabled()) {
  routerAdd("GET", require(`${__hooks}/pb_ops/index.js`).OPS_PAGE_PATH, (e) => require(`${__hooks}/pb_ops/index.js`).opsPage(e));
}
