declare const __PB_OPS_VERSION__: string;

/** Injected by build.mjs from package.json; "dev" when run from source (Node tests). */
export const VERSION: string = typeof __PB_OPS_VERSION__ === "string" ? __PB_OPS_VERSION__ : "dev";
