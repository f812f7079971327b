// Litestream's local state next to data.db (`.data.db-litestream/`), from plain directory
// listings the adapter reads. v0.5 keeps LTX files in `ltx/<level>/<min>-<max>.ltx`; v0.3 keeps a
// `generation` file and a shadow WAL `generations/<gen>/wal/<index>.wal`.
import { parseLtxName } from "./remote";

export interface LocalLitestream {
  layout: "v0.5" | "v0.3" | "none";
  /** v0.5: highest TXID in local LTX files. */
  txid?: number;
  /** v0.3: current generation and shadow WAL index. */
  generation?: string;
  walIndex?: number;
}

/** `ltxNames`: file names from every ltx/<level>/ dir; `generation`/`shadowWalNames` for v0.3. */
export function localLitestream(input: { ltxNames: string[]; generation: string | null; shadowWalNames: string[] }): LocalLitestream {
  let txid = 0;
  for (const n of input.ltxNames) {
    const f = parseLtxName(n);
    if (f && f.maxTXID > txid) txid = f.maxTXID;
  }
  if (txid > 0) return { layout: "v0.5", txid };
  const gen = input.generation?.trim();
  if (gen && /^[0-9a-f]{16}$/.test(gen)) {
    let walIndex: number | undefined;
    for (const n of input.shadowWalNames) {
      const m = /^([0-9a-f]{8,16})\.wal$/.exec(n);
      if (m) walIndex = Math.max(walIndex ?? 0, parseInt(m[1]!, 16));
    }
    return { layout: "v0.3", generation: gen, ...(walIndex !== undefined ? { walIndex } : {}) };
  }
  return { layout: "none" };
}
