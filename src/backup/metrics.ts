// Litestream's Prometheus text metrics (`addr:` in litestream.yml, GET /metrics), reduced to what
// the report needs. Litestream has no "last upload" metric, so these say whether the process is
// alive and erroring, and where the local database is (v0.5: litestream_txid); the replica's own
// position comes from S3 (remote.ts).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (comments and blank lines skipped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let lm: RegExpExecArray | null;
      while ((lm = re.exec(m[3]))) labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    }
    const value = m[4] === "+Inf" ? Infinity : m[4] === "-Inf" ? -Infinity : Number(m[4]);
    if (!Number.isNaN(value)) out.push({ name: m[1]!, labels, value });
  }
  return out;
}

export interface LitestreamMetrics {
  /** True when at least one litestream_* series was present (the endpoint is Litestream's). */
  isLitestream: boolean;
  /** Label `db` the figures below are for (the data.db series when there are several). */
  db?: string;
  dbSizeBytes?: number;
  walSizeBytes?: number;
  /** v0.5: local transaction id Litestream has reached. */
  txid?: number;
  syncCount?: number;
  syncErrorCount?: number;
  /** Replica PUT operations and failed replica operations (all replicas of this process). */
  replicaPuts?: number;
  replicaErrors?: number;
}

/** Picks data.db's series (label db ending in /data.db; else the only/first db seen). */
export function litestreamMetrics(samples: Sample[]): LitestreamMetrics {
  const ours = samples.filter((s) => s.name.startsWith("litestream_"));
  const dbs = [...new Set(ours.map((s) => s.labels.db).filter((d): d is string => !!d))];
  const db = dbs.find((d) => /(^|\/)data\.db$/.test(d)) ?? dbs[0];
  const forDb = (name: string) => {
    const hit = ours.filter((s) => s.name === name && (db === undefined || s.labels.db === undefined || s.labels.db === db));
    return hit.length ? hit.reduce((a, s) => a + s.value, 0) : undefined;
  };
  const total = (name: string, filter?: (l: Record<string, string>) => boolean) => {
    const hit = ours.filter((s) => s.name === name && (!filter || filter(s.labels)));
    return hit.length ? hit.reduce((a, s) => a + s.value, 0) : undefined;
  };
  return {
    isLitestream: ours.length > 0,
    db,
    dbSizeBytes: forDb("litestream_db_size"),
    walSizeBytes: forDb("litestream_wal_size"),
    txid: forDb("litestream_txid"),
    syncCount: forDb("litestream_sync_count"),
    syncErrorCount: forDb("litestream_sync_error_count"),
    replicaPuts: total("litestream_replica_operation_total", (l) => l.operation === "PUT"),
    replicaErrors: total("litestream_replica_operation_errors_total"),
  };
}
