// The restore drill: restore the replica with the shipped Litestream into a temporary directory,
// verify the copy in a separate PocketBase process (PRAGMA integrity_check and row counts), compare
// with the live database, record the result in $app.store(), always delete the copy.
//
// Why a separate process for the check: the JSVM has no way to open a second SQLite file (no
// $dbx.open), and ATTACHing the copy to PocketBase's own connections would hold the single writer
// connection for the whole integrity check. `pocketbase pb-ops-drill verify --dir <copy>` is the
// same binary and the same hooks, bootstrapped on the copy; the live database is never opened by it.
//
// Runs from a PocketBase cron job (PB_RESTORE_DRILL) or POST /api/ops/restore-drill. Either way the
// pooled VM running it is held for the whole drill ($os.cmd blocks): one VM of --hooksPool, minutes
// for a large database.
import {
  compareCounts,
  diskRefusal,
  litestreamInvocation,
  parseDfAvailable,
  parseRestoreSummary,
  parseVerifyOutput,
  tablesToCount,
  type DrillResult,
} from "../drill/plan";
import { readLocal, readReplicaConfig, statFile } from "./local";
import { getConfig } from "./config";
import { logEvent } from "./log";
import { STORE } from "./keys";
import { opsAccess } from "./ops-access";

/** Upper bound of each command (restore, verify): a hung S3 read must not hold a VM for ever. */
const COMMAND_TIMEOUT_S = 1800;
/** Live counts are judged only when no write reached the WAL for this long (Litestream has seen them all). */
const QUIET_MS = 3000;

type Env = Record<string, string | undefined>;

/** The cron expression to register, or null (off, or `auto` without a replica). */
export function drillSchedule(): string | null {
  const s = getConfig().drill.schedule;
  if (s.mode === "off") return null;
  if (s.mode === "auto" && readReplicaConfig(getConfig().backup.litestreamConfig, process.env as Env).kind === "unconfigured") return null;
  return s.expr;
}

/**
 * Runs a command with its output in a file and its exit status on stdout ($os.cmd's output()
 * throws on a non-zero exit and loses what the command printed), bounded by coreutils `timeout`.
 */
function run(bin: string, args: string[], outFile: string, timeoutS: number): { code: number; output: string } {
  const script =
    'o="$1"; t="$2"; shift 2; if command -v timeout >/dev/null 2>&1; then timeout "$t" "$@" >"$o" 2>&1; else "$@" >"$o" 2>&1; fi; echo "$?"';
  let code = -1;
  try {
    code = Number(toString($os.cmd("sh", "-c", script, "pb-ops-drill", outFile, String(timeoutS), bin, ...args).output()).trim());
  } catch (err) {
    return { code: -1, output: String(err) };
  }
  let output = "";
  try {
    output = toString($os.readFile(outFile));
  } catch {
    // nothing written
  }
  return { code, output };
}

/** Last lines of a command's output for the result (Litestream's own error text). */
function tail(text: string): string {
  const lines = text.trim().split("\n").filter(Boolean);
  return lines.slice(-3).join(" | ").slice(0, 600);
}

function fileSize(path: string): number | null {
  return statFile(path)?.size ?? null;
}

function walFacts(dataDir: string): string {
  const fi = statFile(`${dataDir}/data.db-wal`);
  return fi ? `${fi.size}@${fi.modMs}` : "none";
}

function walModMs(dataDir: string): number {
  return statFile(`${dataDir}/data.db-wal`)?.modMs ?? 0;
}

/** PocketBase's own flags the verifier must repeat (the encryption key's env name). */
function passThroughFlags(): string[] {
  const args = Array.from($os.args as unknown as string[]);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--encryptionEnv" && args[i + 1] !== undefined) out.push(a, args[i + 1]!);
    else if (a.startsWith("--encryptionEnv=")) out.push(a);
  }
  return out;
}

/** Rows of one table of the database $app has open (the live one, or the copy the verifier opened). */
function countRows(table: string): number {
  const row = new DynamicModel({ n: 0 });
  $app
    .db()
    .newQuery(`SELECT count(*) AS n FROM "${table.replace(/"/g, '""')}"`)
    .one(row);
  return Number(row.n);
}

function liveCounts(tables: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = countRows(t);
  return out;
}

function collectionsForCount(): string[] {
  const list = $app.findAllCollections() as unknown as Array<{ name: string; type: string }>;
  return tablesToCount(Array.from(list).map((c) => ({ name: String(c.name), type: String(c.type) })));
}

function drill(trigger: DrillResult["trigger"]): DrillResult {
  const t0 = Date.now();
  const base = { atMs: t0, trigger, restoredBytes: null, txid: null, integrity: null, compared: false, tables: [] };
  const done = (r: Omit<DrillResult, "durationMs">): DrillResult => ({ ...r, durationMs: Date.now() - t0 });
  const dataDir = $app.dataDir();
  const dbPath = `${dataDir}/data.db`;
  const dbBytes = (fileSize(dbPath) ?? 0) + (fileSize(`${dbPath}-wal`) ?? 0);

  const tmpRoot = $os.tempDir();
  const dfOut = `${tmpRoot}/pb-ops-drill-df-${$security.randomStringWithAlphabet(12, "0123456789abcdef")}.txt`;
  const df = run("df", ["-Pk", tmpRoot], dfOut, 30);
  try {
    $os.remove(dfOut);
  } catch {
    // best effort
  }
  const refusal = diskRefusal(df.code === 0 ? parseDfAvailable(df.output) : null, dbBytes);
  if (refusal) return done({ ...base, ok: false, step: "refused", reason: refusal });

  const work = `${tmpRoot}/pb-ops-drill-${$security.randomStringWithAlphabet(12, "0123456789abcdef")}`;
  try {
    $os.mkdirAll(`${work}/pb_data`, 0o700 as unknown as fs.FileMode);
    const out = `${work}/pb_data/data.db`;
    const inv = litestreamInvocation({ env: process.env as Env, pbOpsConfig: getConfig().backup.litestreamConfig, dbPath, outPath: out });
    if ("error" in inv) return done({ ...base, ok: false, step: "restore", reason: inv.error });
    const restore = run(inv.bin, inv.args, `${work}/restore.log`, COMMAND_TIMEOUT_S);
    if (restore.code !== 0)
      return done({ ...base, ok: false, step: "restore", reason: `litestream restore exited ${restore.code}: ${tail(restore.output)}` });
    const txid = parseRestoreSummary(restore.output).txid;
    const restoredBytes = fileSize(out);

    const tables = collectionsForCount();
    const pbBin = String(($os.args as unknown as string[])[0]);
    const verify = run(
      pbBin,
      ["pb-ops-drill", "verify", ...tables, "--dir", `${work}/pb_data`, "--hooksDir", __hooks, ...passThroughFlags()],
      `${work}/verify.log`,
      COMMAND_TIMEOUT_S,
    );
    const v = parseVerifyOutput(verify.output);
    const withCopy = { ...base, txid, restoredBytes };
    if (verify.code !== 0 || !v)
      return done({
        ...withCopy,
        ok: false,
        step: "verify",
        reason: `the restored copy could not be opened (exit ${verify.code}): ${tail(verify.output)}`,
      });
    if (v.integrity !== "ok")
      return done({
        ...withCopy,
        integrity: v.integrity,
        ok: false,
        step: "verify",
        reason: `PRAGMA integrity_check: ${v.integrity.slice(0, 300)}`,
      });

    // Live counts, judged only if Litestream's TXID stood still and the WAL was quiet throughout.
    const before = { txid: readLocal(dataDir).litestream.txid ?? null, wal: walFacts(dataDir) };
    const live = liveCounts(tables);
    const after = { txid: readLocal(dataDir).litestream.txid ?? null, wal: walFacts(dataDir) };
    const quiet = before.wal === after.wal && Date.now() - walModMs(dataDir) > QUIET_MS;
    const cmp = compareCounts({
      restoredTxid: txid,
      liveTxidBefore: quiet ? before.txid : null,
      liveTxidAfter: after.txid,
      restored: v.counts,
      live,
      tables,
    });
    const checked = { ...withCopy, integrity: v.integrity, compared: cmp.compared, tables: cmp.tables };
    if (cmp.mismatch) return done({ ...checked, ok: false, step: "compare", reason: `row counts differ at TXID ${txid}: ${cmp.mismatch}` });
    const why = cmp.compared
      ? `row counts equal the live database at TXID ${txid}`
      : `live database moved on from TXID ${txid} (local TXID ${after.txid ?? "unknown"}): counts reported, not compared`;
    return done({ ...checked, ok: true, step: "done", reason: `integrity_check ok; ${why}` });
  } catch (err) {
    return done({ ...base, ok: false, step: "restore", reason: `drill error: ${String(err).slice(0, 300)}` });
  } finally {
    try {
      $os.removeAll(work);
    } catch (err) {
      logEvent("error", "restore drill: could not delete its temporary copy", { dir: work, error: String(err) });
    }
  }
}

/** One drill at a time across VMs; null when another is running. */
function runDrill(trigger: DrillResult["trigger"]): DrillResult | null {
  const now = Date.now();
  let mine = false;
  $app.store().setFunc(STORE.drillRunningUntil, (old: number | undefined) => {
    if (typeof old === "number" && old > now) return old;
    mine = true;
    return now + 2 * COMMAND_TIMEOUT_S * 1000 + 60_000;
  });
  if (!mine) return null;
  try {
    const r = drill(trigger);
    $app.store().set(STORE.drillLast, JSON.stringify(r));
    const fields = {
      trigger,
      step: r.step,
      reason: r.reason,
      durationMs: r.durationMs,
      restoredBytes: r.restoredBytes,
      txid: r.txid,
      compared: r.compared,
    };
    if (r.ok) logEvent("info", "restore drill passed", fields);
    else logEvent("error", "restore drill failed", fields);
    return r;
  } finally {
    $app.store().set(STORE.drillRunningUntil, 0);
  }
}

export function lastDrill(): DrillResult | null {
  const raw = $app.store().get(STORE.drillLast) as string | undefined;
  return typeof raw === "string" ? (JSON.parse(raw) as DrillResult) : null;
}

/** For backup-status and the audit: the last result and its age. */
export function drillReport(nowMs: number): Record<string, unknown> {
  const last = lastDrill();
  const schedule = drillSchedule();
  if (!last) return { state: "never", schedule };
  return {
    state: last.ok ? "passed" : "failed",
    ageSeconds: Math.round((nowMs - last.atMs) / 1000),
    at: new Date(last.atMs).toISOString(),
    schedule,
    ...last,
  };
}

/** Cron job registered by the hook file. */
export function drillCron(): void {
  if (runDrill("cron") === null) logEvent("warn", "restore drill skipped: the previous one is still running");
}

/** POST /api/ops/restore-drill: runs the drill now, in this request (superuser or PB_OPS_TOKEN). */
export function restoreDrillRoute(e: core.RequestEvent): void {
  const who = opsAccess(e);
  if (!who) return;
  const r = runDrill("manual");
  if (!r) {
    e.json(409, { status: 409, message: "A restore drill is already running.", data: {} });
    return;
  }
  e.json(r.ok ? 200 : 503, { state: r.ok ? "passed" : "failed", ...r });
}

/**
 * `pocketbase pb-ops-drill verify TABLE... --dir <copy>`: runs in the child process, whose $app is
 * the restored copy. Prints one JSON line: integrity_check's answer and each table's row count.
 */
export function drillCommand(args: string[]): void {
  const [sub, ...tables] = args;
  if (sub !== "verify") {
    console.error(`pb-ops-drill: unknown subcommand ${JSON.stringify(sub)}: use verify`);
    $os.exit(2);
    return;
  }
  const rows = arrayOf(new DynamicModel({ integrity_check: "" }));
  $app.db().newQuery("PRAGMA integrity_check").all(rows);
  const integrity = rows.map((r: DynamicModel) => String(r.integrity_check)).join("; ");
  const counts: Record<string, number> = {};
  if (integrity === "ok") {
    for (const t of tables) {
      try {
        counts[t] = countRows(t);
      } catch {
        // a table missing from the copy shows as missing in the comparison
      }
    }
  }
  const w = ($app as unknown as { rootCmd: { outOrStdout(): { writeString(s: string): unknown } } }).rootCmd.outOrStdout();
  w.writeString(JSON.stringify({ integrity, counts }) + "\n");
}
