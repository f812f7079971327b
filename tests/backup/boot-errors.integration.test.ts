// A bad backup-status variable stops boot with one line naming the variable and the accepted form
// (every case against the checks boot runs, a sample on real PocketBase, both versions);
// PB_OPS_TOKEN's value never appears in that line.
import { type BadValue, describeBadValues } from "../harness/boot";

const WEAK_TOKEN = "weak-token-123";

const BAD_VALUES: BadValue[] = [
  ["PB_OPS_TOKEN", WEAK_TOKEN, /too short/],
  ["PB_OPS_TOKEN", "ab".repeat(20), /too repetitive/],
  ["PB_BACKUP_MAX_LAG", "soon", /not a duration/],
  ["PB_BACKUP_MAX_LAG", "2d", /out of range/],
  ["PB_BACKUP_TIMEOUT", "1500ms", /whole seconds/],
  ["PB_BACKUP_TIMEOUT", "60s", /out of range/],
  ["PB_BACKUP_CACHE_TTL", "10m", /out of range/],
  ["PB_LITESTREAM_METRICS_URL", "127.0.0.1:9090", /not an http\(s\) URL/],
  ["PB_LITESTREAM_CONFIG", "litestream.yml", /not an absolute path/],
  ["PB_BACKUP_DISK_LIMIT", "lots", /not a size/],
  ["PB_BACKUP_DISK_WARN", "2", /out of range/],
];

describeBadValues(BAD_VALUES);
