/// <reference path="../../types/types.d.ts" />
// pb-ops registration. PocketBase recompiles each handler below from its own source text, so each
// one only requires the library bundle and calls one function (checked by build.mjs).

// Top level: runs once per command in the loader VM. A bad PB_* value stops PocketBase here.
require(`${__hooks}/pb_ops/index.js`).boot();

routerAdd("GET", "/api/ops/health", (e) => {
  return require(`${__hooks}/pb_ops/index.js`).health(e);
});
