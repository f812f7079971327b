// One JSON stream (issue 16): everything the container writes is on stdout, one JSON object per
// line with time/level/msg, from the entrypoint, Litestream and PocketBase alike, through a whole
// life: a first start on an empty replica, a deploy with the lease (the new container claims, the
// old one fences, ships, releases and keeps serving reads; the new one restores), SIGTERM, a start
// without the lease (Litestream runs PocketBase with -exec), and a FATAL. Real entrypoint,
// PocketBase v0.40.4 (the image's), Litestream v0.5.18 and versitygw on loopback.
import { describe, expect, it } from "vitest";
import { DeployStack, firstContainer, type Container } from "./harness/deploy-drill";
import { insert } from "./harness/drill";
import { parseJsonLines, type JsonLine } from "./harness/entrypoint";

/** Every stdout line parses (parseJsonLines throws on the first that does not); stderr is empty. */
function stream(c: Container): JsonLine[] {
  const { stdout, stderr } = c.run.streams();
  expect(stderr, `${c.name} wrote to stderr`).toBe("");
  return parseJsonLines(stdout);
}

const bySource = (lines: JsonLine[], source: string | undefined) => lines.filter((l) => l.source === source);
const msgs = (lines: JsonLine[]) => lines.map((l) => l.msg).join("\n");

describe("stdout is one stream of JSON lines", () => {
  it("first start, a lease handoff with restore, SIGTERM: every line of both containers is JSON", async () => {
    const stack = new DeployStack("jsonstream/data.db", { PB_LEASE_HEARTBEAT: "1s", PB_LEASE_TTL: "5s" });
    await stack.start();
    try {
      const { c: a, token } = await firstContainer(stack);
      for (let i = 1; i <= 5; i++) await insert(a.site.url, token, i, `row ${i}`);
      const b = await stack.launch("B");
      await b.run.waitHealthy(b.site.url, 60_000);
      await a.run.terminate(30_000);
      const { code } = await b.run.terminate(30_000);
      expect(code).toBe(0);

      const la = stream(a);
      const lb = stream(b);
      for (const l of [...la, ...lb]) expect(["DEBUG", "INFO", "WARN", "ERROR"]).toContain(l.level);
      // The entrypoint's lines, with levels.
      expect(bySource(la, "entrypoint").find((l) => l.msg.startsWith("WARNING: no backup found"))?.level).toBe("WARN");
      expect(msgs(bySource(la, "entrypoint"))).toMatch(/handed over: serving reads only until stopped/);
      expect(msgs(bySource(lb, "entrypoint"))).toMatch(/restored .*data\.db \(\d+ bytes\) from s3:\/\/pbops-backups\/jsonstream\/data\.db/);
      expect(msgs(bySource(lb, "entrypoint"))).toMatch(/signal received: stopping PocketBase, then Litestream/);
      // Litestream's slog lines: tagged, and its second "level" key moved aside (parseJsonLines
      // refuses a repeated key).
      const lsA = bySource(la, "litestream");
      expect(lsA.find((l) => l.msg === "litestream")).toMatchObject({ level: "INFO", "field.level": "info", version: "v0.5.18" });
      expect(lsA.some((l) => l.msg === "starting compaction monitor" && typeof l["field.level"] === "number")).toBe(true);
      expect(msgs(bySource(lb, "litestream"))).toMatch(/signal received, litestream shutting down/);
      // PocketBase: the start-up banner (printed whatever stdout is) as JSON, with pb-ops's own
      // lines passed through untouched (no source: they are pb-ops's shape already).
      for (const lines of [la, lb]) {
        expect(msgs(bySource(lines, "pocketbase"))).toMatch(/^Server started at http:\/\/127\.0\.0\.1:\d+$/m);
        expect(bySource(lines, undefined).length, "pb-ops's own JSON lines").toBeGreaterThan(0);
      }
      // The lease agent's lines (pb-ops inside a second PocketBase process) are in the stream too.
      expect(msgs(bySource(la, "pocketbase"))).toMatch(/pb-ops lease: .*FENCED: a deploy is in progress/);
    } finally {
      await stack.destroy();
    }
  }, 180_000);

  it("PB_LEASE=off: Litestream runs PocketBase (-exec), and PocketBase's lines still say source pocketbase", async () => {
    const stack = new DeployStack("jsonstream-nolease/data.db", { PB_LEASE: "off" });
    await stack.start();
    try {
      const c = await stack.launch("C");
      await c.run.waitHealthy(c.site.url, 60_000);
      await c.run.terminate(30_000);
      const lines = stream(c);
      expect(msgs(bySource(lines, "pocketbase"))).toMatch(/^Server started at /m);
      expect(msgs(bySource(lines, "litestream"))).not.toMatch(/Server started/);
      expect(msgs(bySource(lines, "litestream"))).toMatch(/^replicating to$/m);
      expect(msgs(bySource(lines, "entrypoint"))).toMatch(/starting PocketBase under Litestream/);
    } finally {
      await stack.destroy();
    }
  }, 120_000);

  it("a FATAL (refused credentials) is one JSON line at level ERROR, and nothing else is plain text", async () => {
    const stack = new DeployStack("jsonstream-fatal/data.db");
    await stack.start();
    try {
      const c = await stack.launch("F", { LITESTREAM_SECRET_ACCESS_KEY: "wrong-secret-key" });
      const { code } = await c.run.exited;
      expect(code).toBe(1);
      const { stdout, stderr } = c.run.streams();
      expect(stderr).toBe("");
      const lines = parseJsonLines(stdout);
      const fatal = lines.filter((l) => l.msg.includes("FATAL"));
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatchObject({ level: "ERROR", source: "entrypoint" });
      expect(fatal[0]!.msg).toMatch(/^FATAL: cannot read the replica .*403/);
      expect(stdout).not.toContain("wrong-secret-key");
    } finally {
      await stack.destroy();
    }
  }, 60_000);
});
