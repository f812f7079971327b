// PocketBase + Litestream v0.5.18 + versitygw with a replicated `notes` collection, as the restore
// drill and alert tests need it: LITESTREAM_BIN/LITESTREAM_CONFIG set the way the kit's entrypoint
// exports them, TMPDIR private (to prove the drill cleans up), cron ticking every second.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binPath } from "../../scripts/binaries.mjs";
import { BINARIES } from "../../scripts/versions.mjs";
import { Litestream, S3Server, replicaEnv, replicaUrl } from "../../toolkit/backup-stack";
import { fetchJson } from "../../toolkit/http";

import { freePort, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { FAST_CRON_HOOK } from "./webhook";
import { waitFor } from "../../toolkit/wait";

const LITESTREAM = "v0.5.18";
const OPS_TOKEN = "opsToken-7f3a9c2e5b1d8f4a6c0e2b9d7a5f3c1e";
export const AUTH = { authorization: `Bearer ${OPS_TOKEN}` };
export const PREFIX = "app/data.db";

export interface DrillStack {
  s3: S3Server;
  ls: Litestream;
  pb: RunningPocketBase;
  tmp: string;
  stop(): Promise<void>;
}

export async function startDrillStack(version: string, rows: number, env: Record<string, string>): Promise<DrillStack> {
  const s3 = new S3Server();
  await s3.start();
  const parent = mkdtempSync(join(tmpdir(), "pbops-drill-"));
  const dataDir = join(parent, "pb_data");
  const tmp = join(parent, "tmp");
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(tmp);
  const url = replicaUrl(s3, PREFIX);
  const ls = new Litestream({ version: LITESTREAM, dbPath: join(dataDir, "data.db"), replicaUrl: url, metricsPort: await freePort() });
  const pb = await startPocketBase({
    version,
    dataDir,
    serveArgs: ["--automigrate=false"],
    extraHooks: { "zz_fast_cron.pb.js": FAST_CRON_HOOK },
    env: {
      ...replicaEnv(url),
      TMPDIR: tmp,
      LITESTREAM_BIN: binPath(BINARIES.litestream(LITESTREAM).name),
      LITESTREAM_CONFIG: ls.configPath,
      PB_OPS_TOKEN: OPS_TOKEN,
      PB_LITESTREAM_METRICS_URL: ls.metricsUrl,
      PB_BACKUP_CACHE_TTL: "0s",
      PB_RESTORE_DRILL: "off",
      ...env,
    },
  });
  const token = await pb.superuserToken();
  const res = await fetch(`${pb.url}/api/collections`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: token },
    body: JSON.stringify({ name: "notes", type: "base", fields: [{ name: "text", type: "text" }] }),
  });
  if (res.status !== 200) throw new Error(`collection: ${res.status} ${await res.text()}`);
  for (let i = 0; i < rows; i++) {
    const r = await fetch(`${pb.url}/api/collections/notes/records`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: token },
      body: JSON.stringify({ text: `note ${i}` }),
    });
    if (r.status !== 200) throw new Error(`write: ${r.status}`);
  }
  await ls.start();
  await waitFor(
    async () => {
      const b = (await fetchJson(`${pb.url}/api/ops/backup-status`, { headers: AUTH })).body;
      return b.status === "ok" && b.remote.txid > 1 && b.lag.txidBehind === 0;
    },
    30_000,
    "replica caught up",
  );
  return {
    s3,
    ls,
    pb,
    tmp,
    async stop() {
      await ls.stop();
      await pb.stop();
      await s3.destroy();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

export function ltxFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ltx")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export async function drill(pb: RunningPocketBase) {
  return fetchJson(`${pb.url}/api/ops/restore-drill`, { method: "POST", headers: AUTH });
}
