// Disaster recovery, for real: deploy/entrypoint.sh with the pinned PocketBase + Litestream against
// versitygw on loopback. The drill (toolkit/drill.ts) writes through the PocketBase API while
// Litestream replicates, kill -9s both, deletes pb_data and runs the entrypoint again; every write
// acknowledged more than one replication cycle before the kill must be back. CI runs it on an 8 MiB
// database; `npm run drill -- --size 50` gives the published 50 MiB figures (docs/deploy.md).
//
// Point-in-time restore is tested the way docs/deploy.md tells an operator to do it.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Server, replicaUrl } from "../../toolkit/backup-stack";
import { createDrillCollection, insert, listSeqs, runDrill, waitReplicaCaughtUp } from "../../toolkit/drill";
import {
  DEPLOY_POCKETBASE,
  EntrypointRun,
  LITESTREAM_YML,
  entrypointEnv,
  litestreamBinary,
  newSite,
  removeSite,
  runCommand,
  superuserToken,
  upsertSuperuser,
  type Site,
} from "../../toolkit/entrypoint";
import { freePort, startPocketBase } from "../../toolkit/pocketbase";
import { sleep } from "../../toolkit/wait";

describe("disaster-recovery drill (kill -9, pb_data deleted, entrypoint restores)", () => {
  it("every write acknowledged more than one replication cycle before the kill is back; RTO/RPO measured", async () => {
    const r = await runDrill({ sizeMiB: 8, loadMs: 5000, syncInterval: "1s", log: (m) => console.log(`[drill] ${m}`) });
    console.log(
      `[drill] db ${(r.dbBytes / 1048576).toFixed(1)} MiB, ${r.acked} writes acked, ${r.lost.length} lost (newest ${r.rpoMs}ms before the kill), ` +
        `restore ${r.restoreMs}ms, RTO ${r.rtoMs}ms`,
    );
    expect(r.dbBytes).toBeGreaterThan(8 * 1024 * 1024);
    expect(r.acked).toBeGreaterThan(200); // the load phase really wrote
    expect(r.lostBeyondCycle).toEqual([]);
    expect(r.rpoMs).toBeLessThanOrEqual(r.cycleMs);
    // Nothing appears that was never acknowledged except writes in flight at the kill (at most one per writer).
    expect(r.restoredRecords).toBeLessThanOrEqual(r.acked - r.lost.length + 2);
    expect(r.restoredRecords).toBeGreaterThanOrEqual(r.acked - r.lost.length);
    expect(r.restoreMs).toBeGreaterThan(0);
    expect(r.rtoMs).toBeLessThan(30_000);
  }, 180_000);
});

describe("point-in-time restore (litestream restore -timestamp)", () => {
  let s3: S3Server;
  let site: Site;
  let run: EntrypointRun;
  let env: Record<string, string>;
  let between: string;
  const scratch = mkdtempSync(join(tmpdir(), "pbops-pitr-"));
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    s3 = new S3Server();
    await s3.start();
    site = await newSite();
    env = entrypointEnv(site, { url: replicaUrl(s3, "pitr/data.db") });
    run = new EntrypointRun(env);
    await run.waitHealthy(site.url);
    await upsertSuperuser(site, env);
    const token = await superuserToken(site.url);
    await createDrillCollection(site.url, token);
    for (let i = 1; i <= 5; i++) await insert(site.url, token, i, `before ${i}`);
    await waitReplicaCaughtUp(site, env, 15_000);
    // Wall-clock time: `between` must lie a clear second after the first batch and before the next.
    await sleep(1100);
    between = new Date().toISOString();
    await sleep(1100);
    for (let i = 6; i <= 10; i++) await insert(site.url, token, i, `after ${i}`); // "the bad deploy"
    await waitReplicaCaughtUp(site, env, 15_000);
  }, 120_000);

  afterAll(async () => {
    for (const c of cleanups) await c();
    await run?.cleanup();
    await s3?.destroy();
    if (site) removeSite(site);
    rmSync(scratch, { recursive: true, force: true });
  });

  /** `litestream restore -config /etc/litestream.yml -timestamp T -o OUT /app/pb_data/data.db`, as in docs/deploy.md. */
  function restoreAt(timestamp: string, out: string) {
    mkdirSync(join(out, ".."), { recursive: true });
    return runCommand(
      litestreamBinary(),
      ["restore", "-config", LITESTREAM_YML, "-timestamp", timestamp, "-o", out, join(site.dataDir, "data.db")],
      env,
    );
  }

  it("restores the database as it was at a timestamp: earlier writes present, later ones absent", async () => {
    const dir = join(scratch, "inspect");
    const res = await restoreAt(between, join(dir, "data.db"));
    expect(res.status, res.stdout + res.stderr).toBe(0);
    const pb = await startPocketBase({ version: DEPLOY_POCKETBASE, dataDir: dir });
    cleanups.push(() => pb.stop());
    expect([...(await listSeqs(pb.url, await pb.superuserToken()))]).toEqual([1, 2, 3, 4, 5]);
    // The live database still has everything.
    expect((await listSeqs(site.url, await superuserToken(site.url))).size).toBe(10);
  });

  it("a timestamp before the first backup is refused, not restored empty", async () => {
    const res = await restoreAt("2001-01-01T00:00:00Z", join(scratch, "tooearly", "data.db"));
    expect(res.status).not.toBe(0);
    expect(res.stdout + res.stderr).toMatch(/no matching backup files available|transaction not available|no snapshots/);
  });

  it("rollback: the point-in-time copy pushed to a new prefix (replicate -once) is what the next container restores", async () => {
    const dir = join(scratch, "rollback");
    const res = await restoreAt(between, join(dir, "data.db"));
    expect(res.status, res.stdout + res.stderr).toBe(0);
    const newUrl = replicaUrl(s3, "pitr-rollback/data.db");
    const push = await runCommand(
      litestreamBinary(),
      ["replicate", "-once", "-force-snapshot", "-config", LITESTREAM_YML],
      { ...env, POCKETBASE_DIR: dir, REPLICA_URL: newUrl, LITESTREAM_METRICS_ADDR: `127.0.0.1:${await freePort()}` },
      60_000,
    );
    expect(push.status, push.stdout + push.stderr).toBe(0);

    // Redeploy with REPLICA_URL pointing at the new prefix: a fresh container restores the rollback.
    const fresh = await newSite();
    const next = new EntrypointRun(entrypointEnv(fresh, { url: newUrl }));
    cleanups.push(async () => {
      await next.cleanup();
      removeSite(fresh);
    });
    await next.waitHealthy(fresh.url);
    expect(next.lines().join("\n")).toMatch(/restored .* from s3:\/\/pbops-backups\/pitr-rollback\/data\.db/);
    expect([...(await listSeqs(fresh.url, await superuserToken(fresh.url)))]).toEqual([1, 2, 3, 4, 5]);
  });
});
