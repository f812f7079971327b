/// <reference path="../../types/types.d.ts" />
// pb-ops registration. PocketBase recompiles each handler below from its own source text, so each
// one only requires the library bundle and calls one function (checked by build.mjs).

// Top level: runs once per command in the loader VM. A bad PB_* value stops PocketBase here; it
// also binds pb-ops's serve-time set-up (see src/adapter/serve.ts).
require(`${__hooks}/pb_ops/index.js`).boot();

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
// only that small bundle's top-level code runs (docs/performance.md).
routerUse(
  new Middleware(
    (e) => ((globalThis as any).__pbOpsHot || ((globalThis as any).__pbOpsHot = require(`${__hooks}/pb_ops/hot.js`))).handleRequest(e),
    -1016,
    "pbOps",
  ),
);

routerAdd("GET", "/api/ops/health", (e) => {
  return require(`${__hooks}/pb_ops/index.js`).health(e);
});

routerAdd("GET", "/api/ops/backup-status", (e) => {
  return require(`${__hooks}/pb_ops/index.js`).backupStatus(e);
});
