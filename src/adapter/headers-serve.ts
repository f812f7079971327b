// Serve-time set-up of the security headers and CORS (src/adapter/serve.ts runs it once, in the
// loader VM): apart from the middleware's stages (./headers.ts), which every new VM evaluates.
import { getConfig } from "./config";
import { logEvent } from "./log";

/** Serve-time: remove the built-ins pb-ops replaces (bound before onServe, so unbind works). */
export function headersServeSetup(e: core.ServeEvent): void {
  const cfg = getConfig().headers;
  const replaced: string[] = [];
  if (cfg.enabled) replaced.push("pbSecurityHeaders");
  if (cfg.corsOrigins) replaced.push("pbCors");
  if (replaced.length) e.router!.unbind(...replaced);
  logEvent("info", "security headers", {
    headers: cfg.enabled ? "pb-ops" : "pocketbase",
    cors: cfg.corsOrigins ? `allowlist (${cfg.corsOrigins.length})` : "pocketbase --origins",
    replaced,
  });
}
