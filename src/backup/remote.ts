// What a replica prefix holds, read from a plain object listing (keys relative to the prefix).
// Litestream v0.5 writes LTX files `<level %04x>/<minTXID %016x>-<maxTXID %016x>.ltx` (levels 0..9,
// 9 = snapshots); v0.3 writes `generations/<gen>/snapshots/<index>.snapshot.lz4` and
// `generations/<gen>/wal/<index>_<offset>.wal.lz4` (hex). Object ages come from S3 LastModified,
// which has one-second resolution.

export interface RemoteObject {
  key: string;
  modTimeMs: number;
  size: number;
}

export interface LtxFile {
  level: number;
  minTXID: number;
  maxTXID: number;
}

interface V05Summary {
  /** Newest transaction on the replica. */
  maxTXID: number;
  /** Files per level, e.g. {"0": 12, "1": 3, "9": 1}. */
  levels: Record<string, { files: number; maxTXID: number }>;
  /** A restore can rebuild every transaction from 1 to maxTXID from the files present. */
  restorable: boolean;
  /** When not restorable: the last transaction the files cover without a hole from TXID 1. */
  contiguousToTXID: number;
}

interface V03Summary {
  /** The generation written most recently (generation ids are random, so by object time). */
  generation: string;
  generations: number;
  snapshots: number;
  /** Newest WAL segment of that generation: index and start offset within the shadow WAL. */
  walIndex: number | null;
  walOffset: number | null;
  restorable: boolean;
  /** Why not restorable, in words. */
  problem?: string;
}

export interface RemoteSummary {
  layout: "v0.5" | "v0.3" | "empty" | "unknown";
  objects: number;
  bytes: number;
  /** Objects that belong to neither layout (ignored). */
  foreign: number;
  newest: { key: string; modTimeMs: number } | null;
  v05?: V05Summary;
  v03?: V03Summary;
}

const LTX_KEY = /^([0-9a-f]{4})\/([0-9a-f]{16})-([0-9a-f]{16})\.ltx$/;
const V03_SNAPSHOT = /^generations\/([0-9a-f]{16})\/snapshots\/([0-9a-f]{8,16})\.snapshot\.lz4$/;
const V03_WAL = /^generations\/([0-9a-f]{16})\/wal\/([0-9a-f]{8,16})_([0-9a-f]{8,16})\.wal\.lz4$/;

/** Hex ids are 64-bit; JS numbers are exact to 2^53, far beyond any real transaction count. */
function hex(s: string): number {
  return parseInt(s, 16);
}

function parseLtxKey(key: string): LtxFile | null {
  const m = LTX_KEY.exec(key);
  return m ? { level: hex(m[1]!), minTXID: hex(m[2]!), maxTXID: hex(m[3]!) } : null;
}

/** Local LTX file name `<min>-<max>.ltx` (Litestream v0.5 keeps these under .data.db-litestream/ltx/<level>/). */
export function parseLtxName(name: string): { minTXID: number; maxTXID: number } | null {
  const m = /^([0-9a-f]{16})-([0-9a-f]{16})\.ltx$/.exec(name);
  return m ? { minTXID: hex(m[1]!), maxTXID: hex(m[2]!) } : null;
}

/**
 * Highest TXID reachable from TXID 1 by chaining files of any level (a restore may combine a
 * snapshot with later increments). Files are (min,max] ranges; a hole stops the chain.
 */
export function contiguousTo(files: LtxFile[]): number {
  const sorted = [...files].sort((a, b) => a.minTXID - b.minTXID);
  let reached = 0;
  for (const f of sorted) {
    if (f.minTXID > reached + 1) break;
    if (f.maxTXID > reached) reached = f.maxTXID;
  }
  return reached;
}

type Generation = { newestMs: number; snapshots: number[]; wal: { index: number; offset: number }[] };

/** The objects sorted into v0.5 LTX files and v0.3 generations; everything else is foreign. */
function sortObjects(objects: RemoteObject[]) {
  const ltx: LtxFile[] = [];
  const gens = new Map<string, Generation>();
  let foreign = 0;
  let bytes = 0;
  let newest: RemoteSummary["newest"] = null;
  for (const o of objects) {
    const l = parseLtxKey(o.key);
    const s = l ? null : V03_SNAPSHOT.exec(o.key);
    const w = l || s ? null : V03_WAL.exec(o.key);
    if (!l && !s && !w) {
      foreign++;
      continue;
    }
    bytes += o.size;
    if (!newest || o.modTimeMs > newest.modTimeMs) newest = { key: o.key, modTimeMs: o.modTimeMs };
    if (l) ltx.push(l);
    else {
      const gen = (s ?? w)![1]!;
      const g = gens.get(gen) ?? { newestMs: 0, snapshots: [], wal: [] };
      g.newestMs = Math.max(g.newestMs, o.modTimeMs);
      if (s) g.snapshots.push(hex(s[2]!));
      else g.wal.push({ index: hex(w![2]!), offset: hex(w![3]!) });
      gens.set(gen, g);
    }
  }
  return { ltx, gens, foreign, bytes, newest };
}

function summarizeV05(ltx: LtxFile[]): V05Summary {
  const levels: V05Summary["levels"] = {};
  let maxTXID = 0;
  for (const f of ltx) {
    const k = String(f.level);
    const lv = (levels[k] ??= { files: 0, maxTXID: 0 });
    lv.files++;
    lv.maxTXID = Math.max(lv.maxTXID, f.maxTXID);
    maxTXID = Math.max(maxTXID, f.maxTXID);
  }
  const reach = contiguousTo(ltx);
  return { maxTXID, levels, restorable: reach === maxTXID, contiguousToTXID: reach };
}

/** Why the newest generation cannot be restored: a restore starts at its newest snapshot and replays every WAL index after it. */
function v03Problem(g: Generation, lastWal: { index: number } | null): string | undefined {
  if (!g.snapshots.length) return "the newest generation has no snapshot";
  const snap = Math.max(...g.snapshots);
  const indexes = new Set(g.wal.map((x) => x.index));
  const top = lastWal ? lastWal.index : snap;
  for (let i = snap + 1; i <= top; i++) {
    if (!indexes.has(i)) return `WAL index ${i.toString(16)} is missing after snapshot ${snap.toString(16)}`;
  }
  return undefined;
}

function summarizeV03(gens: Map<string, Generation>): V03Summary {
  let genId = "";
  for (const [id, g] of gens) if (!genId || g.newestMs > gens.get(genId)!.newestMs) genId = id;
  const g = gens.get(genId)!;
  const lastWal = g.wal.reduce<{ index: number; offset: number } | null>(
    (a, x) => (!a || x.index > a.index || (x.index === a.index && x.offset > a.offset) ? x : a),
    null,
  );
  const problem = v03Problem(g, lastWal);
  return {
    generation: genId,
    generations: gens.size,
    snapshots: g.snapshots.length,
    walIndex: lastWal ? lastWal.index : null,
    walOffset: lastWal ? lastWal.offset : null,
    restorable: !problem,
    ...(problem ? { problem } : {}),
  };
}

export function summarizeRemote(objects: RemoteObject[]): RemoteSummary {
  const { ltx, gens, foreign, bytes, newest } = sortObjects(objects);
  const counted = ltx.length + [...gens.values()].reduce((a, g) => a + g.snapshots.length + g.wal.length, 0);
  const base = { objects: counted, bytes, foreign, newest };
  if (counted === 0) return { layout: objects.length ? "unknown" : "empty", ...base };
  // Both layouts under one prefix happen after an upgrade from v0.3 to v0.5: the LTX files are the
  // live replica then, the generations are history.
  if (ltx.length) return { layout: "v0.5", ...base, v05: summarizeV05(ltx) };
  return { layout: "v0.3", ...base, v03: summarizeV03(gens) };
}
