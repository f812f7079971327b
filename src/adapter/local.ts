// What this container holds, read through $os: files' size and age, folder listings, the
// Litestream config file, and data.db with its WAL and Litestream's local metadata. Shared by the
// backup status, the restore drill, the audit and the deploy lease.
import { localLitestream } from "../backup/local";
import { replicaFromEnv, replicaFromYaml, type ReplicaConfig } from "../backup/replica";
import type { StatusInput } from "../backup/status";

type Env = Record<string, string | undefined>;

/** Size and modification time, or null when the file is missing or unreadable. */
export function statFile(path: string): { size: number; modMs: number } | null {
  try {
    const fi = $os.stat(path) as unknown as { size(): number; modTime(): { unixMilli(): number } };
    return { size: fi.size(), modMs: fi.modTime().unixMilli() };
  } catch {
    return null;
  }
}

/** Names in a folder; empty when it is missing or unreadable. */
export function dirNames(path: string): string[] {
  try {
    return ($os.readDir(path) as unknown as { name(): string }[]).map((d) => d.name());
  } catch {
    return [];
  }
}

export function readReplicaConfig(configPath: string | null, env: Env): ReplicaConfig {
  if (!configPath) return replicaFromEnv(env);
  let text: string;
  try {
    text = toString($os.readFile(configPath));
  } catch {
    return { kind: "invalid", reason: `PB_LITESTREAM_CONFIG: cannot read ${configPath}` };
  }
  return replicaFromYaml(text, env);
}

export function readLocal(dataDir: string): StatusInput["local"] {
  const db = statFile(`${dataDir}/data.db`);
  const wal = statFile(`${dataDir}/data.db-wal`);
  const meta = `${dataDir}/.data.db-litestream`;
  const ltxNames = dirNames(`${meta}/ltx`).flatMap((level) => dirNames(`${meta}/ltx/${level}`));
  let generation: string | null = null;
  try {
    generation = toString($os.readFile(`${meta}/generation`)).trim();
  } catch {
    // not v0.3, or not started yet
  }
  const shadowWalNames = generation && /^[0-9a-f]{16}$/.test(generation) ? dirNames(`${meta}/generations/${generation}/wal`) : [];
  return {
    dbBytes: db?.size ?? null,
    walBytes: wal?.size ?? null,
    walModMs: wal?.modMs ?? null,
    litestream: localLitestream({ ltxNames, generation, shadowWalNames }),
  };
}
