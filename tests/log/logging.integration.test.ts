// Real PocketBase, both versions: pb-ops's stdout is pure JSON lines, one access line per request
// with the right status and request id, errors logged, secrets never printed.
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchJson } from "../../toolkit/http";
import { accessLines, parseStdout } from "../harness/logs";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { TEST_ROUTE_HOOKS } from "../harness/test-routes";
import { waitFor } from "../../toolkit/wait";

const KINDS = [
  ["/test/ok", 200],
  ["/test/bad", 400],
  ["/test/limited", 429],
  ["/test/boom", 500],
  ["/test/jserror", 400],
  ["/test/nope-unknown", 404],
] as const;

/** Sends `n` requests cycling through KINDS, `concurrency` at a time; returns what clients saw. */
async function mixedRequests(url: string, n: number, concurrency = 8, idPrefix = "client") {
  const seen: { path: string; status: number; requestId: string; sentId?: string }[] = [];
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      const [path] = KINDS[i % KINDS.length]!;
      // Half the clients send their own well-formed id, half let pb-ops make one.
      const sentId = i % 2 === 0 ? `${idPrefix}-${i.toString().padStart(6, "0")}` : undefined;
      const res = await fetch(`${url}${path}`, { headers: sentId ? { "X-Request-Id": sentId } : {} });
      await res.arrayBuffer();
      seen.push({ path, status: res.status, requestId: res.headers.get("x-request-id") ?? "", sentId });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return seen;
}

describe.each(POCKETBASE_VERSIONS)("PocketBase %s, stdout a pipe", (version: string) => {
  let pb: RunningPocketBase;
  beforeAll(async () => {
    pb = await startPocketBase({ version, extraHooks: TEST_ROUTE_HOOKS });
  });
  afterAll(async () => pb?.stop());

  it("1,000 mixed requests give exactly one access line each, with the status and request id the client saw", async () => {
    const seen = await mixedRequests(pb.url, 1000);
    for (const s of seen) expect(s.status, s.path).toBe(KINDS.find(([p]) => p === s.path)![1]);
    const ids = new Set(seen.map((s) => s.requestId));
    await waitFor(
      () => accessLines(parseStdout(pb.stdout()).records).filter((r) => ids.has(r.requestId)).length >= 1000,
      10_000,
      "1000 access lines",
    );

    const { records, stray } = parseStdout(pb.stdout());
    expect(stray).toEqual([]);
    const byId = new Map<string, Record<string, any>[]>();
    for (const r of accessLines(records)) byId.set(r.requestId, [...(byId.get(r.requestId) ?? []), r]);
    for (const s of seen) {
      if (s.sentId) expect(s.requestId).toBe(s.sentId);
      const lines = byId.get(s.requestId) ?? [];
      expect(lines, `${s.path} ${s.requestId}`).toHaveLength(1);
      expect(lines[0]).toMatchObject({ method: "GET", path: s.path, status: s.status, ip: "127.0.0.1" });
      expect(lines[0]!.level).toBe(s.status >= 500 ? "ERROR" : s.status >= 400 ? "WARN" : "INFO");
      expect(typeof lines[0]!.durationMs).toBe("number");
      expect(lines[0]!.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  });

  it("errors thrown inside handlers are logged with status and message", async () => {
    for (const [path, status, message] of [
      ["/test/boom", 500, "kaboom"],
      ["/test/bad", 400, "bad input"],
      ["/test/jserror", 400, "plain js error"],
    ] as const) {
      const res = await fetch(`${pb.url}${path}`);
      const id = res.headers.get("x-request-id")!;
      await waitFor(() => accessLines(parseStdout(pb.stdout()).records).some((r) => r.requestId === id), 3000, `line for ${path}`);
      const line = accessLines(parseStdout(pb.stdout()).records).find((r) => r.requestId === id)!;
      expect(line.status).toBe(status);
      // PocketBase normalises messages ("kaboom" -> "Kaboom.").
      expect(String(line.error).toLowerCase()).toContain(message);
    }
  });

  it("app teams' log.forRequest(e).info() writes a line with the request id, mirrored to PocketBase's logs", async () => {
    const res = await fetch(`${pb.url}/test/custom-log`, { headers: { "X-Request-Id": "order-flow-000042" } });
    expect(res.status).toBe(200);
    await waitFor(() => parseStdout(pb.stdout()).records.some((r) => r.msg === "custom event"), 10_000, "custom event");
    const line = parseStdout(pb.stdout()).records.find((r) => r.msg === "custom event")!;
    expect(line).toMatchObject({ level: "INFO", orderId: 42, requestId: "order-flow-000042" });
    // PocketBase batches its log writes (up to 3 s).
    const token = await pb.superuserToken();
    let found: any;
    await waitFor(
      async () => {
        const { body } = await fetchJson(`${pb.url}/api/logs?filter=${encodeURIComponent('message="custom event"')}`, {
          headers: { Authorization: token },
        });
        found = body?.items?.[0];
        return !!found;
      },
      8000,
      "mirrored log",
    );
    expect(found.level).toBe(0);
    expect(found.data).toMatchObject({ orderId: 42, requestId: "order-flow-000042" });
  });

  it("a malformed incoming X-Request-Id is replaced, a well-formed one is kept and returned", async () => {
    const kept = await fetch(`${pb.url}/test/ok`, { headers: { "X-Request-Id": "edge-7f3a9c2b" } });
    expect(kept.headers.get("x-request-id")).toBe("edge-7f3a9c2b");
    const replaced = await fetch(`${pb.url}/test/ok`, { headers: { "X-Request-Id": "bad id<script>" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9]{20}$/);
    const made = await fetch(`${pb.url}/test/ok`);
    expect(made.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(made.headers.get("x-request-id")).not.toBe(replaced.headers.get("x-request-id"));
  });

  it("the boot line summarises the config", () => {
    const boot = parseStdout(pb.stdout()).records.find((r) => r.msg === "pb-ops started");
    expect(boot).toBeDefined();
    expect(boot!.config.PB_LOG_FORMAT).toBe("json (default)");
  });
});

describe.each(POCKETBASE_VERSIONS)("PocketBase %s, stdout a file opened for appending", (version: string) => {
  it("nothing is truncated across 1,000 lines and a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pbops-logfile-"));
    const file = join(dir, "pb.log");
    writeFileSync(file, "PREEXISTING LINE that must survive\n");
    const dataDir = join(dir, "data");

    let fd = openSync(file, "a");
    let pb = await startPocketBase({ version, dataDir, stdoutFd: fd, extraHooks: TEST_ROUTE_HOOKS });
    closeSync(fd);
    const first = await mixedRequests(pb.url, 1000, 8, "first");
    await pb.stop();

    fd = openSync(file, "a");
    pb = await startPocketBase({ version, dataDir, stdoutFd: fd, superuser: false, extraHooks: TEST_ROUTE_HOOKS });
    closeSync(fd);
    const second = await mixedRequests(pb.url, 50, 4, "second");
    await pb.stop();

    const text = readFileSync(file, "utf8");
    expect(text.startsWith("PREEXISTING LINE that must survive\n")).toBe(true);
    const { records, stray } = parseStdout(text.slice(text.indexOf("\n") + 1));
    expect(stray).toEqual([]);
    // The harness's own readiness probes hit /api/health; count the test's requests only.
    const lines = accessLines(records).filter((r) => r.path !== "/api/health");
    const ids = new Set(lines.map((r) => r.requestId));
    for (const s of [...first, ...second]) expect(ids.has(s.requestId), s.requestId).toBe(true);
    expect(lines).toHaveLength(first.length + second.length);
    expect(records.filter((r) => r.msg === "pb-ops started")).toHaveLength(2);
  });
});

describe("stdout a terminal", () => {
  it("JSON lines reach a pty unprefixed", async () => {
    const { spawn } = await import("node:child_process");
    const { pocketbaseBinary, freePort, prepareHooks, baseEnv } = await import("../../toolkit/pocketbase");
    const dir = mkdtempSync(join(tmpdir(), "pbops-tty-"));
    const hooks = prepareHooks(TEST_ROUTE_HOOKS);
    const port = await freePort();
    const cmd = `${pocketbaseBinary(POCKETBASE_VERSIONS[0]!)} serve --http 127.0.0.1:${port} --dir ${dir}/data --hooksDir ${hooks} --migrationsDir ${dir}/migrations`;
    // util-linux `script` gives the command a pseudo-terminal as stdin/stdout/stderr.
    const child = spawn("script", ["-qfec", cmd, "/dev/null"], {
      env: baseEnv({ TERM: "dumb" }),
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    child.stdout.on("data", (b) => (out += b.toString()));
    try {
      await waitFor(
        async () => {
          try {
            return (await fetch(`http://127.0.0.1:${port}/api/health`)).ok;
          } catch {
            return false;
          }
        },
        20_000,
        "PocketBase on a pty",
      );
      const res = await fetch(`http://127.0.0.1:${port}/test/ok`, { headers: { "X-Request-Id": "tty-check-0001" } });
      expect(res.status).toBe(200);
      await waitFor(() => out.includes("tty-check-0001"), 10_000, "access line on the pty");
      const line = out
        .split("\n")
        .map((l) => l.replace(/\r$/, ""))
        .find((l) => l.includes("tty-check-0001"))!;
      expect(line.startsWith("{")).toBe(true);
      expect(JSON.parse(line)).toMatchObject({ msg: "request", status: 200, path: "/test/ok" });
    } finally {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
    }
  });
});
