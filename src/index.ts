// The library bundle PocketBase loads with require(`${__hooks}/pb_ops/index.js`). Registration
// handlers in src/hooks/*.pb.ts call exactly one of these per handler.
export { boot } from "./adapter/boot";
export { health } from "./adapter/health";
export { handleRequest } from "./adapter/pipeline";
export { isHttps, setCookie } from "./adapter/headers";
export { log } from "./adapter/log";
export { VERSION } from "./version";
