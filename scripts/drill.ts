#!/usr/bin/env -S npx tsx
// The disaster-recovery drill at full size: `npm run drill -- --size 50` (MiB, default 50).
// Same steps as tests/deploy-drill.integration.test.ts (tests/harness/drill.ts) with the real
// pinned binaries on loopback; prints the RTO/RPO figures docs/deploy.md quotes.
//   --size N        grow the database to N MiB before the load phase
//   --load-ms N     how long writers run before the kill -9 (default 10000)
//   --sync 1s       LITESTREAM_SYNC_INTERVAL
//   --writers N     concurrent writers during the load phase (default 2)
//   --deploy        the deploy-lease drills instead (tests/harness/deploy-drill.ts): three rolling
//                   deploys under load with the lease, the same without it (control), and a
//                   SIGKILL takeover; prints lost writes, the write pause and the deploy times
//   --verify        with --deploy: only the three rolling deploys in the lease's claim-then-verify
//                   mode (PB_LEASE_WRITES=verify), through a proxy that records every S3 request
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
    deploy: { type: "boolean", default: false },
    verify: { type: "boolean", default: false },
  },
});
ensureNodeModules();
await ensurePocketBase(POCKETBASE_NEWEST);
await ensureBackupStack();
await build();
const started = Date.now();
if (values.deploy) {
  const { runDeployDrill, runCrashDrill } = await import("../toolkit/deploy-drill");
  const { MONITOR_INTERVAL_MS } = await import("../toolkit/drill");
  const log = (m: string) => console.error(`[deploy] ${m}`);
  const byName = (acks: { by: string }[]) =>
    [...new Set(acks.map((a) => a.by))].map((n) => `${n} ${acks.filter((a) => a.by === n).length}`).join(", ");
  if (values.verify) {
    const { conditionalHeaders } = await import("../toolkit/s3-proxy");
    const v = await runDeployDrill({ lease: true, deploys: 3, log, proxy: true, extraEnv: { PB_LEASE_WRITES: "verify" } });
    const lease = v.requests.filter((r) => r.path.includes(".pb-ops/"));
    const conditional = lease.filter((r) => conditionalHeaders(r).length > 0).length;
    console.log(`rolling deploys, PB_LEASE_WRITES=verify (A->B->C->D, a write every 25 ms round-robin to every container in rotation)`);
    console.log(
      `  writes acked      ${v.acked.length} (${byName(v.acked)}); lost ${v.lost.length}; duplicates ${v.duplicates}; integrity ${v.integrity}`,
    );
    console.log(`  refused (503)     ${v.refused} while handing over`);
    console.log(`  write pause       ${v.maxPauseMs}ms (longest time with no acknowledged write)`);
    console.log(`  deploy time       ${v.deployMs.join(" / ")}ms (new container start -> healthy)`);
    console.log(`  lease requests    ${lease.length} (${conditional} with a conditional header)`);
    console.log(`drill wall time    ${Math.round((Date.now() - started) / 1000)}s`);
    if (v.lost.length || v.integrity !== "ok" || conditional) throw new Error("the verify-mode drill failed");
    process.exit(0);
  }
  const on = await runDeployDrill({ lease: true, deploys: 3, log });
  const off = await runDeployDrill({ lease: false, deploys: 3, log });
  const crash = await runCrashDrill({}, MONITOR_INTERVAL_MS, log);
  console.log(`rolling deploys, lease on (A->B->C->D, a write every 25 ms round-robin to every container in rotation)`);
  console.log(
    `  writes acked      ${on.acked.length} (${byName(on.acked)}); lost ${on.lost.length}; duplicates ${on.duplicates}; integrity ${on.integrity}`,
  );
  console.log(`  refused (503)     ${on.refused} while handing over`);
  console.log(`  write pause       ${on.maxPauseMs}ms (longest time with no acknowledged write)`);
  console.log(`  deploy time       ${on.deployMs.join(" / ")}ms (new container start -> healthy)`);
  console.log(`rolling deploys, PB_LEASE=off (control)`);
  console.log(
    `  writes acked      ${off.acked.length} (${byName(off.acked)}); LOST ${off.lost.length} (${byName(off.lost)}); integrity ${off.integrity.split("\n").length > 1 ? `FAILED (${off.integrity.split("\n").length} problems, e.g. "${off.integrity.split("\n")[0]}")` : off.integrity}`,
  );
  console.log(`  deploy time       ${off.deployMs.join(" / ")}ms`);
  console.log(`SIGKILL of the primary under load (default TTL 10s)`);
  console.log(`  takeover          ${crash.takeoverMs}ms (kill -> new container healthy)`);
  console.log(
    `  writes acked      ${crash.acked.length}; lost ${crash.lost.length}, all acked within ${Math.max(0, ...crash.lost.map((l) => l.ageMs))}ms of the kill (cycle ${crash.cycleMs}ms); integrity ${crash.integrity}`,
  );
  console.log(`drill wall time    ${Math.round((Date.now() - started) / 1000)}s`);
  if (on.lost.length || on.integrity !== "ok" || crash.lost.some((l) => l.ageMs > crash.cycleMs))
    throw new Error("the lease drill lost acknowledged writes");
  process.exit(0);
}
const { runDrill } = await import("../toolkit/drill");
const r = await runDrill({
  sizeMiB: Number(values.size),
  loadMs: Number(values["load-ms"]),
  syncInterval: values.sync!,
  writers: Number(values.writers),
  log: (m) => console.error(`[drill] ${m}`),
});
const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
console.log(`database           ${mib(r.dbBytes)} MiB (${r.dbBytes} bytes), ${r.restoredRecords} records restored`);
console.log(
  `writes acked       ${r.acked}; lost ${r.lost.length} (all acked within ${Math.max(0, ...r.lost.map((l) => l.ackAgeMs))}ms of the kill)`,
);
console.log(`lost beyond cycle  ${r.lostBeyondCycle.length} (cycle = sync ${values.sync} + monitor 250ms = ${r.cycleMs}ms)`);
console.log(`RPO (data lost)    ${r.rpoMs}ms`);
console.log(`restore            ${r.restoreMs}ms (entrypoint start -> database restored)`);
console.log(`RTO                ${r.rtoMs}ms (entrypoint start -> /api/ops/health 200)`);
console.log(`grow + replicate   ${r.growMs}ms; drill wall time ${Math.round((Date.now() - started) / 1000)}s`);
if (r.lostBeyondCycle.length)
  throw new Error(`writes acknowledged more than one replication cycle before the kill were lost: ${r.lostBeyondCycle.join(", ")}`);
