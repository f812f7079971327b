// Names of the shared plan's parts that both sides spell: the loader VM that publishes them
// (src/config/shared-plan.ts) and the request VMs that read them (src/adapter/config.ts, on the hot
// path, which must not import shared-plan.ts: it would bring the schema into pb_ops/hot.js).

/** The entry holding, under their own names, the parts a new VM's first request reads (firstParts). */
export const FIRST_PART = "first";
