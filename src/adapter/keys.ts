// Every name pb-ops keeps state under, in one table: $app.store() keys (shared by all of
// PocketBase's JS VMs, so two modules must never pick the same one by accident) and the keys pb-ops
// sets on a request event with e.set(). A new key is added here, never spelt inline.

/** $app.store() keys. Values are JSON-able (the store crosses VMs). */
// A const enum so the bundler writes each key where it is used: an object of 30 keys would be made
// in every new VM (pb_ops/hot.js), which reads three or four of them. Bundled by esbuild, which
// inlines const enums across modules; a per-file transform (vitest) emits an enum object instead.
// biome-ignore lint/suspicious/noConstEnum: inlined by the bundler on purpose (see above)
export const enum STORE {
  startedAt = "pbOps.startedAt",
  stdout = "pbOps.stdout",
  adminSecret = "pbOps.admin.secret",
  adminSuperusersIds = "pbOps.admin.superusersIds",
  adminMux = "pbOps.admin.mux",
  adminReplayToken = "pbOps.admin.replayToken",
  adminMissName = "pbOps.admin.missName",
  adminDenialLogBudget = "pbOps.admin.denialLogBudget",
  /** Prefix of the rate limiter's bucket shards: `pbOps.rateLimit.<n>`. */
  rateLimitShardPrefix = "pbOps.rateLimit.",
  backupRemote = "pbOps.backup.remote",
  backupPending = "pbOps.backup.pending",
  backupSyncErrors = "pbOps.backup.syncErrors",
  backupLastStatus = "pbOps.backup.lastStatus",
  backupCustomChecks = "pbOps.backup.customChecks",
  drillLast = "pbOps.drill.last",
  drillRunningUntil = "pbOps.drill.runningUntil",
  /** Last untrusted-proxy warning: written by the proxy stage, read by the audit. */
  proxyWarnedAt = "pbOps.proxy.warnedAt",
  /** Until when no VM needs to look at requests' proxy headers (set by the VM that last looked). */
  proxyRestUntil = "pbOps.proxy.restUntil",
  /** The middleware bundle request VMs load (pb_ops/hot.js or hot-lean.js), chosen at boot. The hook
   * file spells this key itself (a handler cannot import); tests/build/target.integration.test.ts checks it. */
  hotFile = "pbOps.hotFile",
  alertMemory = "pbOps.alert.memory",
  alertQueue = "pbOps.alert.queue",
  alertTickingUntil = "pbOps.alert.tickingUntil",
  leaseRole = "pbOps.lease.role",
  leaseLastLog = "pbOps.lease.lastLog",
  poolVmStarts = "pbOps.pool.vmStarts",
  poolWarned = "pbOps.pool.warned",
  /** Prefix of the shared plan's entries (src/adapter/config.ts): `pbOps.plan.<part>`. */
  planPrefix = "pbOps.plan.",
  warmLeft = "pbOps.warm.left",
  metricsTotals = "pbOps.metrics.totals",
  metricsRing = "pbOps.metrics.ring",
  warmDone = "pbOps.warm.done",
}

/** Request-event keys (e.set / e.get). */
// biome-ignore lint/suspicious/noConstEnum: inlined by the bundler on purpose (see STORE)
export const enum EVENT {
  /** The route's own rateLimit() call, for the access line: `"<fields> <name>"`. */
  routeRateLimit = "pbOpsRouteRateLimit",
  /**
   * PocketBase's activity logger does not write a request that ended without an error to its log
   * database when the event carries this key (apis/middlewares.go, v0.31 and v0.40).
   */
  skipSuccessActivityLog = "__skipSuccessActivityLogger",
}
