// The audit's pure checks (src/audit), the drill's decisions (src/drill) and the alert decisions
// (src/alert): verdicts from plain values, config parsing, cool-down arithmetic.
import { describe, expect, it } from "vitest";
import * as c from "../../src/audit/checks";
import { originsFromArgs, parseGoDuration, retentionFrom, ruleText } from "../../src/audit/values";
import { afterDelivery, alertBody, decideAlerts, type Observation } from "../../src/alert/decide";
import { parseWebhookUrl } from "../../src/alert/config";
import { parseDrillSchedule } from "../../src/drill/config";
import {
  compareCounts,
  diskRefusal,
  litestreamInvocation,
  parseDfAvailable,
  parseRestoreSummary,
  parseVerifyOutput,
  tablesToCount,
} from "../../src/drill/plan";
import { buildConfig, ConfigError } from "../../src/config/load";
import { schema } from "../../src/config/schema";

const H = 3_600_000;

describe("audit checks", () => {
  it("replica follows backup-status", () => {
    expect(c.checkReplica({ status: "ok", reasons: [] }).status).toBe("pass");
    expect(c.checkReplica({ status: "degraded", reasons: ["files_local"] })).toMatchObject({
      status: "warn",
      reason: expect.stringContaining("files_local"),
    });
    expect(c.checkReplica({ status: "failing", reasons: ["litestream_down"] }).status).toBe("fail");
    expect(c.checkReplica({ status: "unconfigured", reasons: [] }).status).toBe("fail");
    expect(c.checkReplica({ status: "not_checked", reasons: [] }).status).toBe("pass");
  });

  it("restore drill: failed fails, missing or old warns, recent pass passes", () => {
    const base = { nowMs: 100 * H, replicaConfigured: true, scheduleEveryMs: 24 * H };
    expect(c.checkRestoreDrill({ ...base, last: null }).status).toBe("warn");
    expect(c.checkRestoreDrill({ ...base, last: { ok: false, atMs: 99 * H, reason: "lz4" } })).toMatchObject({
      status: "fail",
      reason: expect.stringContaining("lz4"),
    });
    expect(c.checkRestoreDrill({ ...base, last: { ok: true, atMs: 99 * H, reason: "" } }).status).toBe("pass");
    expect(c.checkRestoreDrill({ ...base, last: { ok: true, atMs: 100 * H - 49 * H, reason: "" } }).status).toBe("warn");
    expect(c.checkRestoreDrill({ ...base, replicaConfigured: false, last: null }).status).toBe("warn");
  });

  it("retention under a day warns", () => {
    expect(c.checkRetention({ ms: 168 * H, source: "x" }).status).toBe("pass");
    expect(c.checkRetention({ ms: H, source: "x" }).status).toBe("warn");
    expect(c.checkRetention({ ms: null, source: "x" }).status).toBe("warn");
  });

  it("cors, admin path, trusted proxy, https", () => {
    expect(c.checkCors({ pbOpsOrigins: null, pocketbaseOrigins: ["*"] }).status).toBe("warn");
    expect(c.checkCors({ pbOpsOrigins: [], pocketbaseOrigins: ["*"] }).status).toBe("pass");
    expect(c.checkCors({ pbOpsOrigins: null, pocketbaseOrigins: ["https://a.example"] }).status).toBe("pass");
    expect(c.checkAdminPath(false).status).toBe("warn");
    expect(c.checkTrustedProxy({ trustedHeaders: [], proxyHeadersSeen: ["do-connecting-ip"] }).status).toBe("fail");
    expect(c.checkTrustedProxy({ trustedHeaders: ["do-connecting-ip"], proxyHeadersSeen: ["do-connecting-ip"] }).status).toBe("pass");
    expect(c.checkTrustedProxy({ trustedHeaders: [], proxyHeadersSeen: [] }).status).toBe("pass");
    expect(c.checkHttps(false).status).toBe("warn");
  });

  it("superusers, log level, rate limit", () => {
    expect(c.checkSuperuserMfa({ mfa: false, otp: true }).status).toBe("warn");
    expect(c.checkSuperuserCount(0).status).toBe("fail");
    expect(c.checkSuperuserCount(3).status).toBe("pass");
    expect(c.checkSuperuserCount(4).status).toBe("warn");
    expect(c.checkLogLevel({ pbOpsLevel: "info", pocketbaseMinLevel: -4 }).status).toBe("warn");
    expect(c.checkLogLevel({ pbOpsLevel: "info", pocketbaseMinLevel: 0 }).status).toBe("pass");
    expect(c.checkRateLimit({ pbOps: false, pocketbase: false }).status).toBe("warn");
  });

  it("storage, db size, smtp, rules, batch", () => {
    expect(c.checkFileStorage({ s3: false, fileFields: [], localFiles: false }).status).toBe("pass");
    expect(c.checkFileStorage({ s3: false, fileFields: ["users.avatar"], localFiles: false }).status).toBe("warn");
    expect(c.checkDbSize({ usedBytes: 50, limitBytes: 100, warnShare: 0.8 }).status).toBe("pass");
    expect(c.checkDbSize({ usedBytes: 90, limitBytes: 100, warnShare: 0.8 }).status).toBe("warn");
    expect(c.checkDbSize({ usedBytes: 96, limitBytes: 100, warnShare: 0.8 }).status).toBe("fail");
    const users = {
      name: "users",
      type: "auth",
      system: false,
      createRule: "",
      updateRule: "id = @request.auth.id",
      deleteRule: null,
      passwordAuth: true,
      otp: false,
    };
    const su = { ...users, name: "_superusers", createRule: null, updateRule: null, system: true };
    expect(c.checkSmtp({ smtpEnabled: false, collections: [su] }).status).toBe("pass");
    expect(c.checkSmtp({ smtpEnabled: false, collections: [su, users] }).status).toBe("warn");
    expect(c.checkOpenRules([users, su])).toMatchObject({ status: "warn", reason: "anyone can write: users (create)" });
    expect(c.checkOpenRules([su]).status).toBe("pass");
    expect(c.checkBatch({ enabled: true, maxRequests: 50, timeout: 3, maxBodySize: 0 }).status).toBe("warn");
    expect(c.checkBatch({ enabled: true, maxRequests: 50, timeout: 3, maxBodySize: 1 << 20 }).status).toBe("pass");
  });

  it("single instance from the lease", () => {
    const base = { replicaConfigured: true, leaseEnabled: true, foreignClaimants: 0 };
    expect(c.checkSingleInstance({ ...base, role: "primary" }).status).toBe("pass");
    expect(c.checkSingleInstance({ ...base, role: null }).status).toBe("warn");
    expect(c.checkSingleInstance({ ...base, role: "standby" }).status).toBe("fail");
    expect(c.checkSingleInstance({ ...base, role: "primary", foreignClaimants: 1 }).status).toBe("fail");
    expect(c.checkSingleInstance({ ...base, leaseEnabled: false, role: null }).status).toBe("warn");
  });

  it("boot summary: INFO when all pass, WARN naming the others", () => {
    const p = c.checkAdminPath(true);
    expect(c.bootSummary([p])).toMatchObject({ level: "info" });
    const s = c.bootSummary([p, c.checkAdminPath(false), c.checkSuperuserCount(0)]);
    expect(s.level).toBe("warn");
    expect(s.msg).toBe("audit: 2 of 3 checks do not pass: admin_path (warn), superuser_count (fail)");
    expect(c.overall([p, c.checkAdminPath(false)])).toBe("warn");
  });

  it("the endpoint's body: the worst verdict, a count per verdict, the time and the caller's access", () => {
    const checks = [c.checkAdminPath(true), c.checkAdminPath(false), c.checkSuperuserCount(0), c.checkSuperuserCount(1)];
    const body: c.AuditBody = c.auditBody(checks, Date.UTC(2026, 10, 30, 12), "token");
    expect(body).toEqual({
      status: "fail",
      counts: { pass: 2, warn: 1, fail: 1 },
      checkedAt: "2026-11-30T12:00:00.000Z",
      access: "token",
      checks,
    });
    expect(c.auditBody([c.checkAdminPath(true)], 0, "superuser")).toMatchObject({ status: "pass", counts: { pass: 1, warn: 0, fail: 0 } });
  });
});

describe("audit values", () => {
  it("Go durations and retention sources", () => {
    expect(parseGoDuration("168h")).toBe(168 * H);
    expect(parseGoDuration("1h30m")).toBe(1.5 * H);
    expect(parseGoDuration("72h0m0s")).toBe(72 * H);
    expect(parseGoDuration("7d")).toBeNull();
    expect(retentionFrom({ yaml: "snapshot:\n  retention: ${R}\n", yamlPath: "/etc/l.yml", env: { R: "48h" } })).toEqual({
      ms: 48 * H,
      source: "retention: 48h in /etc/l.yml",
    });
    expect(retentionFrom({ yaml: null, yamlPath: null, env: { LITESTREAM_RETENTION: "1h" } }).ms).toBe(H);
    expect(retentionFrom({ yaml: "dbs: []", yamlPath: "/x", env: {} })).toMatchObject({ ms: 24 * H, source: "Litestream's default" });
  });

  it("--origins from argv", () => {
    expect(originsFromArgs(["pb", "serve"])).toEqual(["*"]);
    expect(originsFromArgs(["pb", "serve", "--origins", "https://a,https://b"])).toEqual(["https://a", "https://b"]);
    expect(originsFromArgs(["pb", "serve", "--origins=https://a"])).toEqual(["https://a"]);
  });

  it("rule text", () => {
    expect(ruleText(null)).toBeNull();
    expect(ruleText("")).toBe("");
  });
});

describe("restore drill decisions", () => {
  it("finds Litestream the way the kit sets it", () => {
    expect(
      litestreamInvocation({
        env: { LITESTREAM_BIN: "/usr/local/bin/litestream", LITESTREAM_CONFIG: "/etc/litestream.yml" },
        pbOpsConfig: null,
        dbPath: "/pb/data.db",
        outPath: "/tmp/x/data.db",
      }),
    ).toEqual({
      bin: "/usr/local/bin/litestream",
      args: ["restore", "-config", "/etc/litestream.yml", "-o", "/tmp/x/data.db", "-json", "/pb/data.db"],
    });
    expect(litestreamInvocation({ env: { REPLICA_URL: "s3://b/p" }, pbOpsConfig: null, dbPath: "/pb/data.db", outPath: "/o" })).toEqual({
      bin: "litestream",
      args: ["restore", "-o", "/o", "-json", "s3://b/p"],
    });
    expect(litestreamInvocation({ env: {}, pbOpsConfig: null, dbPath: "/pb/data.db", outPath: "/o" })).toHaveProperty("error");
  });

  it("disk: refuses under twice the database size", () => {
    const df = "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 1000 500 300 63% /tmp\n";
    expect(parseDfAvailable(df)).toBe(300 * 1024);
    expect(parseDfAvailable("garbage")).toBeNull();
    expect(diskRefusal(300 * 1024, 150 * 1024)).toBeNull();
    expect(diskRefusal(300 * 1024, 151 * 1024)).toContain("under twice");
    expect(diskRefusal(null, 1)).toContain("cannot be measured");
  });

  it("reads Litestream's restore summary and the verifier's line", () => {
    const out = 'time=x level=INFO msg="restored"\n{\n  "db_path": "/o",\n  "txid": "000000000000002a",\n  "duration_ms": 3\n}\n';
    expect(parseRestoreSummary(out)).toEqual({ txid: 42 });
    expect(parseRestoreSummary("Error: decode")).toEqual({ txid: null });
    expect(parseVerifyOutput('noise\n{"integrity":"ok","counts":{"notes":3}}\n')).toEqual({ integrity: "ok", counts: { notes: 3 } });
    expect(parseVerifyOutput("panic")).toBeNull();
  });

  it("compares counts only when the live database stood at the restored TXID", () => {
    const tables = ["notes"];
    expect(
      compareCounts({ restoredTxid: 5, liveTxidBefore: 5, liveTxidAfter: 5, restored: { notes: 3 }, live: { notes: 3 }, tables }),
    ).toMatchObject({ compared: true, mismatch: null });
    expect(
      compareCounts({ restoredTxid: 5, liveTxidBefore: 5, liveTxidAfter: 5, restored: { notes: 2 }, live: { notes: 3 }, tables }).mismatch,
    ).toBe("notes: restored 2, live 3");
    expect(
      compareCounts({ restoredTxid: 5, liveTxidBefore: 6, liveTxidAfter: 6, restored: { notes: 2 }, live: { notes: 3 }, tables }),
    ).toMatchObject({ compared: false, mismatch: null });
    expect(compareCounts({ restoredTxid: 5, liveTxidBefore: 5, liveTxidAfter: 6, restored: {}, live: { notes: 3 }, tables }).compared).toBe(
      false,
    );
    expect(
      tablesToCount([
        { name: "b", type: "base" },
        { name: "v", type: "view" },
        { name: "a", type: "auth" },
      ]),
    ).toEqual(["a", "b"]);
  });
});

describe("config", () => {
  it("PB_RESTORE_DRILL forms", () => {
    expect(parseDrillSchedule("off").mode).toBe("off");
    expect(parseDrillSchedule("auto")).toMatchObject({ mode: "auto", expr: "17 3 * * *" });
    expect(parseDrillSchedule("daily")).toMatchObject({ mode: "cron", expr: "17 3 * * *", everyMs: 24 * H });
    expect(parseDrillSchedule("30 4 * * *")).toMatchObject({ expr: "30 4 * * *", everyMs: 24 * H });
    expect(parseDrillSchedule("*/15 * * * *").everyMs).toBe(H);
    for (const bad of ["sometimes", "61 * * * *", "* * * *", "5-1 * * * *", "*/0 * * * *"])
      expect(() => parseDrillSchedule(bad), bad).toThrow();
  });

  it("a bad PB_ALERT_WEBHOOK stops boot with one line naming it", () => {
    expect(parseWebhookUrl("none")).toBeNull();
    expect(parseWebhookUrl("https://hooks.slack.com/services/T/B/X")).toBe("https://hooks.slack.com/services/T/B/X");
    let err: unknown;
    try {
      buildConfig(schema, { PB_ALERT_WEBHOOK: "hooks.slack.com/x" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain("PB_ALERT_WEBHOOK");
    expect((err as Error).message.split("\n")).toHaveLength(1);
    expect(() => buildConfig(schema, { PB_ALERT_WEBHOOK: "http://127.0.0.1:99999/x" })).toThrow(ConfigError);
    expect(() => buildConfig(schema, { PB_RESTORE_DRILL: "nightly" })).toThrow(/PB_RESTORE_DRILL/);
  });
});

describe("alert decisions", () => {
  const obs = (state: string, source: Observation["source"] = "backup"): Observation => ({ source, state, detail: [] });

  it("first states: good and audit are the silent baseline; a bad first state is announced", () => {
    const r = decideAlerts({
      nowMs: 1000,
      cooldownMs: 60_000,
      memory: {},
      observed: [obs("ok"), obs("warn", "audit"), obs("failed", "drill")],
    });
    expect(r.alerts.map((a) => `${a.source}:${a.from}->${a.to}`)).toEqual(["drill:unknown->failed"]);
  });

  it("flapping within the cool-down: one alert, then one for where it stands", () => {
    let memory = decideAlerts({ nowMs: 0, cooldownMs: 10_000, memory: {}, observed: [obs("ok")] }).memory;
    const sent: string[] = [];
    const seq: Array<[number, string]> = [
      [1000, "failing"],
      [2000, "ok"],
      [3000, "failing"],
      [4000, "ok"],
      [5000, "degraded"],
      [11_000, "degraded"],
      [12_000, "degraded"],
    ];
    for (const [t, s] of seq) {
      const r = decideAlerts({ nowMs: t, cooldownMs: 10_000, memory, observed: [obs(s)] });
      memory = r.memory;
      sent.push(...r.alerts.map((a) => `${t}:${a.from}->${a.to}`));
    }
    expect(sent).toEqual(["1000:ok->failing", "11000:failing->degraded"]);
  });

  it("a flap back to the announced state sends nothing", () => {
    let memory = decideAlerts({ nowMs: 0, cooldownMs: 10_000, memory: {}, observed: [obs("ok")] }).memory;
    memory = decideAlerts({ nowMs: 1000, cooldownMs: 10_000, memory, observed: [obs("failing")] }).memory;
    memory = decideAlerts({ nowMs: 2000, cooldownMs: 10_000, memory, observed: [obs("ok")] }).memory;
    memory = decideAlerts({ nowMs: 3000, cooldownMs: 10_000, memory, observed: [obs("failing")] }).memory;
    const r = decideAlerts({ nowMs: 20_000, cooldownMs: 10_000, memory, observed: [obs("failing")] });
    expect(r.alerts).toEqual([]);
  });

  it("deliveries: bounded attempts", () => {
    const item = { alert: { source: "drill" as const, from: "passed", to: "failed", detail: [], atMs: 0 }, attempts: 0 };
    const one = afterDelivery([{ item, delivered: false }], 2);
    expect(one.keep).toHaveLength(1);
    const two = afterDelivery([{ item: one.keep[0]!, delivered: false }], 2);
    expect(two).toMatchObject({ keep: [], dropped: [{ attempts: 2 }] });
    expect(afterDelivery([{ item, delivered: true }], 2)).toEqual({ keep: [], dropped: [] });
  });

  it("one body for Slack (text) and generic receivers (fields)", () => {
    const b = alertBody(
      { source: "backup", from: "ok", to: "failing", detail: ["litestream_down"], atMs: 0 },
      { name: "Acme", url: "https://acme.example" },
    );
    expect(b).toMatchObject({
      text: ":red_circle: Acme: backup-status ok -> failing (litestream_down)",
      source: "backup",
      from: "ok",
      to: "failing",
      at: "1970-01-01T00:00:00.000Z",
      app: "Acme",
    });
  });
});
