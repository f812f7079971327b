// pb_hooks/pb_ops/hot.js: the request middleware alone, the one piece of pb-ops that runs on every
// request. PocketBase runs a handler in a pooled VM, or in a throwaway VM when all are busy (open
// realtime clients each hold one), and a module's top-level code runs again in every new VM: this
// bundle leaves out the schema, the parsers, boot, backup and health, and reads the config already
// built at boot (src/adapter/config.ts). The full library is pb_ops/index.js.
export { handleRequest } from "./adapter/pipeline";
export { warmVm } from "./adapter/warm";
