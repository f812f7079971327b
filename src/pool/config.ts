import { defineVar, intIn } from "../config/vars";

/** PocketBase's own default for --hooksPool (plugins/jsvm). */
export const POCKETBASE_DEFAULT_POOL = 15;

/** The kit's pool: see docs/performance.md ("Sizing the VM pool") for the measurement behind it. */
export const DEFAULT_HOOKS_POOL = 240;

export const POOL_MIN = 1;
export const POOL_MAX = 2000;

export const poolVars = {
  hooksPool: defineVar({
    name: "PB_HOOKS_POOL",
    default: String(DEFAULT_HOOKS_POOL),
    example: "400",
    accepted: `an integer from ${POOL_MIN} to ${POOL_MAX}`,
    meaning:
      "Size of PocketBase's JS VM pool, passed as `--hooksPool` by `deploy/entrypoint.sh` and `npm start` (PocketBase reads the flag before any hook runs). Each open realtime client and each slow download holds one VM for as long as it lasts; requests beyond the pool each build a throwaway VM. Size it to the realtime clients you expect plus your concurrent requests (docs/performance.md).",
    parse: intIn(POOL_MIN, POOL_MAX),
  }),
};
