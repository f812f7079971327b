#!/usr/bin/env -S npx tsx
// The disaster-recovery drill at full size: `npm run drill -- --size 50` (MiB, default 50).
// Same steps as tests/deploy-drill.integration.test.ts (tests/harness/drill.ts) with the real
// pinned binaries on loopback; prints the RTO/RPO figures docs/deploy.md quotes.
//   --size N        grow the database to N MiB before the load phase
//   --load-ms N     how long writers run before the kill -9 (default 10000)
//   --sync 1s       LITESTREAM_SYNC_INTERVAL
//   --writers N     concurrent writers during the load phase (default 2)
import { parseArgs } from "node:util";
import { ensureBackupStack, ensurePocketBase } from "./binaries.mjs";
import { POCKETBASE_NEWEST } from "./versions.mjs";
import { build, ensureNodeModules } from "./setup.mjs";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "50" },
    "load-ms": { type: "string", default: "10000" },
    sync: { type: "string", default: "1s" },
    writers: { type: "string", default: "2" },
  },
});
ensureNodeModules();
await ensurePocketBase(POCKETBASE_NEWEST);
await ensureBackupStack();
await build();
const { runDrill } = await import("../tests/harness/drill");
const started = Date.now();
const r = await runDrill({
  sizeMiB: Number(values.size),
  loadMs: Number(values["load-ms"]),
  syncInterval: values.sync!,
  writers: Number(values.writers),
  log: (m) => console.error(`[drill] ${m}`),
});
const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
console.log(`database           ${mib(r.dbBytes)} MiB (${r.dbBytes} bytes), ${r.restoredRecords} records restored`);
console.log(`writes acked       ${r.acked}; lost ${r.lost.length} (all acked within ${Math.max(0, ...r.lost.map((l) => l.ackAgeMs))}ms of the kill)`);
console.log(`lost beyond cycle  ${r.lostBeyondCycle.length} (cycle = sync ${values.sync} + monitor 250ms = ${r.cycleMs}ms)`);
console.log(`RPO (data lost)    ${r.rpoMs}ms`);
console.log(`restore            ${r.restoreMs}ms (entrypoint start -> database restored)`);
console.log(`RTO                ${r.rtoMs}ms (entrypoint start -> /api/ops/health 200)`);
console.log(`grow + replicate   ${r.growMs}ms; drill wall time ${Math.round((Date.now() - started) / 1000)}s`);
if (r.lostBeyondCycle.length) throw new Error(`writes acknowledged more than one replication cycle before the kill were lost: ${r.lostBeyondCycle.join(", ")}`);
