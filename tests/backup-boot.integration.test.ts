// Real PocketBase, both versions: a bad backup-status variable stops boot with one line naming the
// variable and the accepted form; PB_OPS_TOKEN's value never appears in that line.
import { describe, expect, it } from "vitest";
import { POCKETBASE_VERSIONS, runPocketBase } from "./harness/pocketbase";

const WEAK_TOKEN = "weak-token-123";

const BAD_VALUES: [string, string, RegExp][] = [
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

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  it.each(BAD_VALUES)("%s=%j stops boot with one line", (name, value, reason) => {
    const res = runPocketBase(version, ["serve", "--http", "127.0.0.1:0"], { env: { [name]: value } });
    expect(res.status).toBe(1);
    const lines = (res.stdout + res.stderr).split("\n").filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`invalid ${name}=`);
    expect(lines[0]).toMatch(reason);
    expect(lines[0]).toMatch(/expected /);
    if (name === "PB_OPS_TOKEN") expect(lines[0]).not.toContain(value);
  });
});
