// Serve-time set-up. JSVM hook files cannot register onServe (PocketBase excludes it from the JS
// hooks), so boot() binds this through $app.onServe() from the loader VM; it runs once, when
// PocketBase starts serving, with the router in hand (e.g. to unbind a built-in middleware that
// pb-ops replaces).
import { ConfigError } from "../config/load";
import { configSummary } from "../config/summary";
import { schema } from "../config/schema";
import { VERSION } from "../version";
import { keepMuxAtServe, setupAdminAtServe } from "./admin";
import { auditAtServe } from "./audit";
import { headersServeSetup } from "./headers-serve";
import { leaseServeSetup } from "./lease";
import { logEvent } from "./log";
import { applyTrustedProxyAtServe } from "./proxy";
import { applyFileStorageAtServe } from "./storage";
import { applySuperuserAtServe } from "./superuser";
import { rateLimitServeSetup } from "./ratelimit";
import { poolServeSetup } from "./vm-pool";
import { warmPoolAtServe } from "./warm";

/** Each concern that needs the router at serve time adds its set-up here. */
const SERVE_SETUPS: Array<(e: core.ServeEvent) => void> = [
  headersServeSetup,
  setupAdminAtServe,
  rateLimitServeSetup,
  leaseServeSetup,
  poolServeSetup,
];

/**
 * Settings pb-ops writes from env before PocketBase serves (superuser before PocketBase's own
 * onServe, which would otherwise start its installer). A ConfigError from one of them (S3 refusing
 * the keys...) stops PocketBase with its one line, like a bad value at boot.
 */
const SERVE_SETTINGS: Array<() => void> = [applyTrustedProxyAtServe, applyFileStorageAtServe, applySuperuserAtServe];

/** Run after the rest of onServe, once the router is built into e.server.handler (the mux). */
// Pool warm-up last: the VMs it warms then see everything the set-ups above stored.
const SERVE_READY: Array<(e: core.ServeEvent) => void> = [keepMuxAtServe, auditAtServe, warmPoolAtServe];

export function onServe(e: core.ServeEvent): void {
  try {
    for (const apply of SERVE_SETTINGS) apply();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    $os.exit(1);
  }
  for (const setup of SERVE_SETUPS) setup(e);
  logEvent("info", "pb-ops started", { version: VERSION, config: configSummary(schema, process.env) });
  e.next();
  for (const ready of SERVE_READY) ready(e);
}
