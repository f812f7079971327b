// The restore drill's decisions, from plain values: where Litestream is, whether the disk has room,
// how to read what the tools printed, and whether the restored copy matches the live database.
// The adapter (src/adapter/drill.ts) runs the commands; nothing here touches the JSVM.

export interface DrillTable {
  table: string;
  restored: number | null;
  live: number | null;
}

export interface DrillResult {
  ok: boolean;
  atMs: number;
  durationMs: number;
  /** The step that failed (or "done"). */
  step: "refused" | "restore" | "verify" | "compare" | "done";
  reason: string;
  restoredBytes: number | null;
  txid: number | null;
  integrity: string | null;
  /** Counts were compared only when the live database was at the restored TXID. */
  compared: boolean;
  tables: DrillTable[];
  trigger: "cron" | "manual";
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Which Litestream and how to point it at the replica. The kit's entrypoint exports LITESTREAM_BIN
 * and LITESTREAM_CONFIG; with a config file the database path names the replica (as in the
 * entrypoint's own restore), else the REPLICA_URL itself does (Litestream v0.5 restores from a URL).
 */
export function litestreamInvocation(input: {
  env: Env;
  pbOpsConfig: string | null;
  dbPath: string;
  outPath: string;
}): { bin: string; args: string[] } | { error: string } {
  const bin = input.env.LITESTREAM_BIN?.trim() || "litestream";
  const config = input.env.LITESTREAM_CONFIG?.trim() || input.pbOpsConfig;
  if (config) return { bin, args: ["restore", "-config", config, "-o", input.outPath, "-json", input.dbPath] };
  const url = input.env.REPLICA_URL?.trim();
  if (!url) return { error: "no LITESTREAM_CONFIG, PB_LITESTREAM_CONFIG or REPLICA_URL to restore from" };
  return { bin, args: ["restore", "-o", input.outPath, "-json", url] };
}

/** Free bytes of the filesystem from `df -Pk DIR` (POSIX format: 1024-byte blocks, 4th column). */
export function parseDfAvailable(text: string): number | null {
  const lines = text.trim().split("\n");
  if (lines.length < 2) return null;
  const cols = lines[lines.length - 1]!.trim().split(/\s+/);
  const kb = Number(cols[3]);
  return Number.isFinite(kb) && cols.length >= 4 ? kb * 1024 : null;
}

/** Refuses when the restored copy (about the database's size) would leave less than its size free. */
export function diskRefusal(freeBytes: number | null, dbBytes: number): string | null {
  if (freeBytes === null) return "free disk space cannot be measured (df -Pk failed)";
  if (freeBytes < 2 * dbBytes) return `free disk ${freeBytes} bytes is under twice the database size (${dbBytes} bytes)`;
  return null;
}

/** Litestream v0.5's `restore -json` summary: `{"txid":"000000000000002a", "duration_ms":..}`. */
export function parseRestoreSummary(output: string): { txid: number | null } {
  const start = output.indexOf("{");
  const end = output.lastIndexOf("}");
  if (start < 0 || end < start) return { txid: null };
  try {
    const j = JSON.parse(output.slice(start, end + 1)) as { txid?: unknown };
    return { txid: typeof j.txid === "string" && /^[0-9a-f]{1,16}$/i.test(j.txid) ? parseInt(j.txid, 16) : null };
  } catch {
    return { txid: null };
  }
}

/** The child verifier's one JSON line (`pocketbase pb-ops-drill verify`). */
export function parseVerifyOutput(output: string): { integrity: string; counts: Record<string, number> } | null {
  for (const line of output.split("\n").reverse()) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      const j = JSON.parse(t) as { integrity?: unknown; counts?: unknown };
      if (typeof j.integrity === "string" && j.counts && typeof j.counts === "object")
        return { integrity: j.integrity, counts: j.counts as Record<string, number> };
    } catch {
      // not our line
    }
  }
  return null;
}

/** Tables whose rows are counted: the app's own collections (not views), at most `max`, by name. */
export function tablesToCount(collections: Array<{ name: string; type: string }>, max = 10): string[] {
  return collections
    .filter((c) => c.type !== "view")
    .map((c) => c.name)
    .sort()
    .slice(0, max);
}

/**
 * Row counts. The live database moves on while the drill runs, so counts are compared only when
 * Litestream's local TXID was the restored TXID both before and after the live counts were read
 * (nothing committed in between); otherwise they are reported but not judged.
 */
export function compareCounts(input: {
  restoredTxid: number | null;
  liveTxidBefore: number | null;
  liveTxidAfter: number | null;
  restored: Record<string, number>;
  live: Record<string, number>;
  tables: string[];
}): { compared: boolean; mismatch: string | null; tables: DrillTable[] } {
  const tables = input.tables.map((t) => ({ table: t, restored: input.restored[t] ?? null, live: input.live[t] ?? null }));
  const still = input.restoredTxid !== null && input.liveTxidBefore === input.restoredTxid && input.liveTxidAfter === input.restoredTxid;
  if (!still) return { compared: false, mismatch: null, tables };
  const bad = tables.filter((t) => t.restored !== t.live);
  return {
    compared: true,
    mismatch: bad.length ? bad.map((t) => `${t.table}: restored ${t.restored ?? "missing"}, live ${t.live ?? "missing"}`).join("; ") : null,
    tables,
  };
}
