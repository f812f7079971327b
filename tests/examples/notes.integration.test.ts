// examples/notes is built from its own folder as an app team's project would be (npm install with
// pb-ops as a dependency, pb-ops-build, tsc against the public typings), loaded into real
// PocketBase next to pb-ops, and its routes, hooks and checks work there.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchJson } from "../../toolkit/http";
import { parseStdout } from "../harness/logs";
import { ROOT } from "../../toolkit/paths";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { waitFor } from "../../toolkit/wait";

const APP = join(ROOT, "examples", "notes");
const out = mkdtempSync(join(tmpdir(), "pbops-notes-"));

beforeAll(() => {
  // The public typings the example imports (dist/, what `npm pack` ships) are built by the global
  // setup. PocketBase's typings: the copy the pinned binary wrote (scripts/typings.mjs).
  if (!existsSync(join(APP, "node_modules", "pb-ops"))) {
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: APP, stdio: "ignore" });
  }
  execFileSync("npx", ["pb-ops-build", "types", "--from", join(ROOT, "types", "types.d.ts")], { cwd: APP, stdio: "pipe" });
  execFileSync("npx", ["pb-ops-build", "--out", join(out, "pb_hooks")], { cwd: APP, stdio: "pipe" });
}, 180_000);

describe("the example app's build", () => {
  it("type-checks against pb-ops's public typings and PocketBase's", () => {
    const res = spawnSync("npx", ["tsc", "--noEmit", "-p", "."], { cwd: APP, encoding: "utf8" });
    expect(res.stdout + res.stderr).toBe("");
    expect(res.status).toBe(0);
  });

  it("refuses a handler that breaks the isolation rule, naming the handler and the name", () => {
    const res = spawnSync("npx", ["pb-ops-build", "--hooks", "broken", "--out", join(out, "broken")], { cwd: APP, encoding: "utf8" });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/broken\/leaky\.pb\.ts:\d+:\d+: routerAdd\("GET", "\/api\/notes\/quota"\): handler refers to quota/);
    expect(existsSync(join(out, "broken", "leaky.pb.js"))).toBe(false);
  });
});

describe.each(POCKETBASE_VERSIONS)("the example app on PocketBase %s", (version: string) => {
  let pb: RunningPocketBase;
  let token: string;
  beforeAll(async () => {
    pb = await startPocketBase({ version, hooksFrom: join(out, "pb_hooks"), serveArgs: ["--automigrate=false"] });
    token = await pb.superuserToken();
    const res = await fetchJson(`${pb.url}/api/collections`, {
      method: "POST",
      headers: { Authorization: token, "content-type": "application/json" },
      body: JSON.stringify({
        name: "notes",
        type: "base",
        createRule: "",
        viewRule: "",
        listRule: "",
        fields: [{ name: "title", type: "text" }],
      }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => pb?.stop());

  async function createNote(title: string) {
    return fetchJson(`${pb.url}/api/collections/notes/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title }),
    });
  }

  it("the record hook normalises titles and logs through pb-ops", async () => {
    const res = await createNote("  hello    world  ");
    expect(res.status).toBe(200);
    expect(res.body.title).toBe("hello world");
    await waitFor(
      () => parseStdout(pb.stdout()).records.some((r) => r.msg === "note created" && r.noteId === res.body.id),
      10_000,
      "note created line",
    );
  });

  it("the custom route is rate limited by name, and its log line carries the request id", async () => {
    const note = (await createNote("share me")).body;
    const statuses: number[] = [];
    let lastOk = "";
    let limited: Response | undefined;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${pb.url}/api/notes/${note.id}/share`, { method: "POST" });
      statuses.push(res.status);
      if (res.status === 200) lastOk = res.headers.get("x-request-id")!;
      else limited = res;
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
    await waitFor(
      () => parseStdout(pb.stdout()).records.some((r) => r.msg === "note shared" && r.requestId === lastOk),
      10_000,
      "note shared line",
    );
    const line = parseStdout(pb.stdout()).records.find((r) => r.msg === "note shared" && r.requestId === lastOk)!;
    expect(line.noteId).toBe(note.id);
  });

  it("a page under /api/ gets the public header set through applyHeaders", async () => {
    const res = await fetch(`${pb.url}/api/notes/report`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<p>\d+ notes<\/p>/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    const api = await fetch(`${pb.url}/api/health`);
    expect(api.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("the app's own check appears in /api/ops/backup-status", async () => {
    const res = await fetchJson(`${pb.url}/api/ops/backup-status`, { headers: { Authorization: token } });
    expect(res.body.custom).toEqual([{ name: "share-queue", status: "ok", message: "0 urgent notes" }]);
    for (let i = 0; i < 101; i++) await createNote(`URGENT ${i}`);
    const again = await fetchJson(`${pb.url}/api/ops/backup-status`, { headers: { Authorization: token } });
    expect(again.body.custom).toEqual([{ name: "share-queue", status: "degraded", message: "101 urgent notes" }]);
    expect(again.body.reasons).toContainEqual({ code: "custom_check", severity: "degraded", message: "share-queue: 101 urgent notes" });
  });
});
