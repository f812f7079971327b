// The disaster-recovery drill, shared by tests/deploy/drill.integration.test.ts (small database, CI)
// and scripts/drill.ts (`npm run drill -- --size 50`, the published figures):
//
//   1. the entrypoint starts PocketBase under Litestream on an empty replica (versitygw);
//   2. the database is grown to the target size through the PocketBase API (incompressible
//      payloads, so Litestream really ships that many bytes) and the replica is let catch up;
//   3. load: writers insert records through the API; each acknowledged write is recorded with the
//      time its 200 arrived;
//   4. kill -9 of Litestream and PocketBase together, then pb_data is deleted (a lost container);
//   5. the entrypoint runs again on the empty disk: it restores and serves. RTO = entrypoint start
//      to /api/ops/health 200; every acknowledged write is looked up through the API.
import { randomBytes } from "node:crypto";
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { S3Server, replicaUrl } from "./backup-stack";
import {
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
} from "./entrypoint";
import { pollUntil, sleep } from "./wait";

/** Litestream's replication cycle in deploy/litestream.yml: a write is noticed within the monitor
 * interval (250ms) and shipped at the next sync (LITESTREAM_SYNC_INTERVAL). */
export const MONITOR_INTERVAL_MS = 250;

export interface DrillOptions {
  /** Database size to reach before the load phase, in MiB. */
  sizeMiB: number;
  /** How long writers run before the kill. */
  loadMs: number;
  /** LITESTREAM_SYNC_INTERVAL, e.g. "1s". */
  syncInterval: string;
  /** Concurrent writers during the load phase. */
  writers?: number;
  log?: (msg: string) => void;
}

interface Ack {
  seq: number;
  ackAt: number;
}

export interface DrillResult {
  /** Size of data.db as restored (bytes). */
  dbBytes: number;
  acked: number;
  /** Acknowledged writes missing after the restore, with how long before the kill they were acked. */
  lost: { seq: number; ackAgeMs: number }[];
  /** Writes acked more than one replication cycle before the kill that are missing (must be none). */
  lostBeyondCycle: number[];
  /** The cycle used for lostBeyondCycle: sync interval + monitor interval. */
  cycleMs: number;
  /** Data-loss window: kill time minus the ack time of the oldest lost write (0 if none lost). */
  rpoMs: number;
  /** Entrypoint start to the restored database on disk (the "starting PocketBase" line). */
  restoreMs: number;
  /** Entrypoint start to /api/ops/health 200 on the restored database. */
  rtoMs: number;
  /** Time to grow the database and let the replica catch up (context for the figures). */
  growMs: number;
  /** Records found after the restore. */
  restoredRecords: number;
}

function parseDurationMs(s: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(s);
  if (!m) throw new Error(`bad duration ${s}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

export async function createDrillCollection(url: string, token: string): Promise<void> {
  const res = await fetch(`${url}/api/collections`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: token },
    body: JSON.stringify({
      name: "drill",
      type: "base",
      fields: [
        { name: "seq", type: "number", required: true },
        { name: "payload", type: "text", max: 200_000 },
      ],
      indexes: ["CREATE UNIQUE INDEX idx_drill_seq ON drill (seq)"],
    }),
  });
  if (res.status !== 200) throw new Error(`create collection: ${res.status} ${await res.text()}`);
}

export async function insert(url: string, token: string, seq: number, payload: string): Promise<void> {
  const res = await fetch(`${url}/api/collections/drill/records`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: token },
    body: JSON.stringify({ seq, payload }),
  });
  if (res.status !== 200) throw new Error(`insert ${seq}: ${res.status} ${await res.text()}`);
}

/** Every `seq` in the drill collection, read through the API. */
export async function listSeqs(url: string, token: string): Promise<Set<number>> {
  const seqs = new Set<number>();
  for (let page = 1; ; page++) {
    const res = await fetch(`${url}/api/collections/drill/records?fields=seq&sort=seq&perPage=1000&skipTotal=1&page=${page}`, {
      headers: { authorization: token },
    });
    if (res.status !== 200) throw new Error(`list: ${res.status} ${await res.text()}`);
    const items = ((await res.json()) as { items: { seq: number }[] }).items;
    for (const it of items) seqs.add(it.seq);
    if (items.length < 1000) return seqs;
  }
}

/** Litestream's local TXID (metrics) equals the newest TXID on the replica (`litestream ltx`). */
export async function waitReplicaCaughtUp(site: Site, env: Record<string, string>, timeoutMs: number): Promise<void> {
  // litestream_txid only moves when Litestream's monitor has seen the WAL change: give it two
  // monitor intervals first, or a write made just now would compare as "caught up".
  await sleep(2 * MONITOR_INTERVAL_MS + 100);
  let last = "";
  const caughtUp = await pollUntil(
    async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${site.metricsPort}/metrics`)).text();
      const local = /^litestream_txid\{[^}]*\}\s+(\d+)/m.exec(metrics);
      const ltx = await runCommand(
        litestreamBinary(),
        ["ltx", "-config", LITESTREAM_YML, "-level", "all", "-json", join(site.dataDir, "data.db")],
        env,
      );
      if (ltx.status === 0 && local) {
        const files = JSON.parse(ltx.stdout) as { max_txid: string }[];
        const remote = Math.max(0, ...files.map((f) => parseInt(f.max_txid, 16)));
        if (remote >= Number(local[1])) return true;
        last = `local ${local[1]} remote ${remote}`;
      } else last = ltx.stderr || "no litestream_txid metric";
      return false;
    },
    timeoutMs,
    250,
  );
  if (!caughtUp) throw new Error(`replica not caught up in ${timeoutMs}ms: ${last}`);
}

async function grow(url: string, token: string, targetBytes: number, nextSeq: () => number, acks: Ack[]): Promise<void> {
  // 48 KiB of random bytes -> 64 KiB of base64: incompressible, so compression cannot shrink what
  // Litestream uploads and restores.
  let written = 0;
  const worker = async () => {
    while (written < targetBytes) {
      const payload = randomBytes(48 * 1024).toString("base64");
      written += payload.length;
      const seq = nextSeq();
      await insert(url, token, seq, payload);
      acks.push({ seq, ackAt: Date.now() });
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

export async function runDrill(opts: DrillOptions): Promise<DrillResult> {
  const log = opts.log ?? (() => {});
  const s3 = new S3Server();
  const site = await newSite();
  let first: EntrypointRun | undefined;
  let second: EntrypointRun | undefined;
  try {
    await s3.start();
    const env = entrypointEnv(site, { url: replicaUrl(s3, "drill/data.db") }, { LITESTREAM_SYNC_INTERVAL: opts.syncInterval });
    const cycleMs = parseDurationMs(opts.syncInterval) + MONITOR_INTERVAL_MS;

    first = new EntrypointRun(env);
    await first.waitHealthy(site.url);
    await upsertSuperuser(site, env);
    const token = await superuserToken(site.url);
    await createDrillCollection(site.url, token);

    const acks: Ack[] = [];
    let seq = 0;
    const nextSeq = () => ++seq;
    const growStart = Date.now();
    await grow(site.url, token, opts.sizeMiB * 1024 * 1024, nextSeq, acks);
    await waitReplicaCaughtUp(site, env, 600_000);
    const growMs = Date.now() - growStart;
    log(`grew to ${opts.sizeMiB} MiB of payload (${acks.length} records) and replicated in ${growMs}ms`);

    // Load until the kill. Writers stop at the first failed request (the kill).
    let stop = false;
    const writer = async () => {
      while (!stop) {
        const s = nextSeq();
        try {
          await insert(site.url, token, s, randomBytes(768).toString("base64"));
        } catch {
          return;
        }
        acks.push({ seq: s, ackAt: Date.now() });
      }
    };
    const writers = Array.from({ length: opts.writers ?? 2 }, writer);
    await sleep(opts.loadMs);
    const killAt = Date.now();
    await first.kill9();
    stop = true;
    await Promise.all(writers);
    log(`killed -9 after ${acks.length} acknowledged writes`);

    rmSync(site.dataDir, { recursive: true, force: true });

    second = new EntrypointRun(env);
    let restoredAt = 0;
    // The entrypoint's lines are JSON on stdout (docs/deploy.md "Logs: one JSON stream").
    second.child.stdout!.on("data", (b: Buffer) => {
      if (!restoredAt && b.toString().includes("starting PocketBase under Litestream")) restoredAt = Date.now();
    });
    const healthyAt = await second.waitHealthy(site.url, 600_000);
    const rtoMs = healthyAt - second.startedAt;
    const restoreMs = restoredAt - second.startedAt;
    const dbBytes = statSync(join(site.dataDir, "data.db")).size;
    log(`restored ${dbBytes} bytes: restore ${restoreMs}ms, serving after ${rtoMs}ms`);

    const found = await listSeqs(site.url, await superuserToken(site.url));
    const lost = acks.filter((a) => !found.has(a.seq)).map((a) => ({ seq: a.seq, ackAgeMs: killAt - a.ackAt }));
    const lostBeyondCycle = lost.filter((l) => l.ackAgeMs > cycleMs).map((l) => l.seq);
    const rpoMs = lost.length ? Math.max(...lost.map((l) => l.ackAgeMs)) : 0;
    return { dbBytes, acked: acks.length, lost, lostBeyondCycle, cycleMs, rpoMs, restoreMs, rtoMs, growMs, restoredRecords: found.size };
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n--- first run ---\n${first?.output() ?? ""}\n--- second run ---\n${second?.output() ?? ""}`,
    );
  } finally {
    await first?.cleanup();
    await second?.cleanup();
    await s3.destroy();
    removeSite(site);
  }
}
