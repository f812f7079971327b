// Serve-time set-up. JSVM hook files cannot register onServe (PocketBase excludes it from the JS
// hooks), so boot() binds this through $app.onServe() from the loader VM; it runs once, when
// PocketBase starts serving, with the router in hand (e.g. to unbind a built-in middleware that
// pb-ops replaces).
import { configSummary } from "../config/summary";
import { schema } from "../config/schema";
import { VERSION } from "../version";
import { keepMuxAtServe, setupAdminAtServe } from "./admin";
import { headersServeSetup } from "./headers";
import { logEvent } from "./log";
import { poolServeSetup } from "./vm-pool";

/** Each concern that needs the router at serve time adds its set-up here. */
const SERVE_SETUPS: Array<(e: core.ServeEvent) => void> = [headersServeSetup, setupAdminAtServe, poolServeSetup];

/** Run after the rest of onServe, once the router is built into e.server.handler (the mux). */
const SERVE_READY: Array<(e: core.ServeEvent) => void> = [keepMuxAtServe];

export function onServe(e: core.ServeEvent): void {
  for (const setup of SERVE_SETUPS) setup(e);
  logEvent("info", "pb-ops started", { version: VERSION, config: configSummary(schema, process.env) });
  e.next();
  for (const ready of SERVE_READY) ready(e);
}
