// The library bundle PocketBase loads with require(`${__hooks}/pb_ops/index.js`), and pb-ops's
// public API for app teams (typed by dist/index.d.ts; see docs/extending.md). Registration handlers
// in src/hooks/*.pb.ts call exactly one of these per handler.
import { getConfig } from "./adapter/config";
import type { Config } from "./config/schema";

/** @internal Registration only: validates the config at boot and binds serve-time set-up. */
export { boot } from "./adapter/boot";
/** @internal Registration only: GET /api/ops/health. */
export { health } from "./adapter/health";
/** @internal Registration only: the pbOps request middleware. */
export { handleRequest } from "./adapter/pipeline";
/** @internal Registration only: GET /api/ops/backup-status. */
export { backupStatus } from "./adapter/backup";

/** Structured logger: `log.info("msg", { fields })`, `log.forRequest(e).warn(...)`. */
export { log, type Logger, type Fields } from "./adapter/log";
/** pb-ops's version (semver). */
export { VERSION } from "./version";
export type { Config } from "./config/schema";

/** The validated, frozen pb-ops configuration (read once per VM from the PB_* variables). */
export function config(): Config {
  return getConfig();
}
