// Real PocketBase, both versions: level filter, text format, sampling, access log off, and
// redaction of secrets in every output.
import { afterEach, describe, expect, it } from "vitest";
import { accessLines, parseStdout } from "../harness/logs";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { TEST_ROUTE_HOOKS } from "../harness/test-routes";
import { waitFor } from "../../toolkit/wait";

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase | undefined;
  afterEach(async () => {
    await pb?.stop();
    pb = undefined;
  });

  async function hit(path: string, id: string, init: RequestInit = {}) {
    const res = await fetch(`${pb!.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), "X-Request-Id": id } });
    await res.arrayBuffer();
    return res.status;
  }

  it("PB_LOG_LEVEL=warn drops successful access lines and keeps 4xx/5xx", async () => {
    pb = await startPocketBase({ version, env: { PB_LOG_LEVEL: "warn" }, extraHooks: TEST_ROUTE_HOOKS });
    await hit("/test/ok", "lvl-ok-000001");
    await hit("/test/bad", "lvl-bad-00001");
    await hit("/test/boom", "lvl-boom-0001");
    await waitFor(() => pb!.stdout().includes("lvl-boom-0001"), 10_000, "5xx line");
    const lines = accessLines(parseStdout(pb.stdout()).records);
    expect(lines.map((l) => l.requestId).filter((id) => id.startsWith("lvl-"))).toEqual(["lvl-bad-00001", "lvl-boom-0001"]);
    // The info-level boot summary is filtered too.
    expect(parseStdout(pb.stdout()).records.some((r) => r.msg === "pb-ops started")).toBe(false);
  });

  it("PB_LOG_FORMAT=text writes `time LEVEL msg key=value` lines", async () => {
    pb = await startPocketBase({ version, env: { PB_LOG_FORMAT: "text" }, extraHooks: TEST_ROUTE_HOOKS });
    await hit("/test/ok", "fmt-text-0001");
    await waitFor(() => pb!.stdout().includes("fmt-text-0001"), 10_000, "text line");
    const line = pb
      .stdout()
      .split("\n")
      .find((l) => l.includes("fmt-text-0001"))!;
    expect(line).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z INFO {2}request method=GET path=\/test\/ok status=200 durationMs=\S+ ip=127\.0\.0\.1 requestId=fmt-text-0001/,
    );
    expect(() => JSON.parse(line)).toThrow();
  });

  it("PB_LOG_SAMPLE=0 keeps no successful lines but every error; PB_LOG_ACCESS=false keeps none", async () => {
    pb = await startPocketBase({ version, env: { PB_LOG_SAMPLE: "0" }, extraHooks: TEST_ROUTE_HOOKS });
    for (let i = 0; i < 20; i++) await hit("/test/ok", `smp-ok-${String(i).padStart(6, "0")}`);
    await hit("/test/limited", "smp-429-00001");
    await waitFor(() => pb!.stdout().includes("smp-429-00001"), 10_000, "429 line");
    expect(pb.stdout()).not.toContain("smp-ok-");
    await pb.stop();

    pb = await startPocketBase({ version, env: { PB_LOG_ACCESS: "false" }, extraHooks: TEST_ROUTE_HOOKS });
    await hit("/test/boom", "acc-off-00001");
    await hit("/test/custom-log", "acc-off-00002");
    // App events still flow; access lines do not.
    await waitFor(() => pb!.stdout().includes("custom event"), 10_000, "custom event");
    expect(pb.stdout()).not.toContain("acc-off-00001");
    expect(accessLines(parseStdout(pb.stdout()).records)).toEqual([]);
  });

  it("a token in Authorization, in a cookie and in ?token= never appears in any output", async () => {
    pb = await startPocketBase({ version, env: { PB_LOG_MIRROR: "all", PB_LOG_REDACT: "x-team-key" }, extraHooks: TEST_ROUTE_HOOKS });
    const secrets: string[] = [
      "AuthzSecretValue123",
      "CookieSecretValue456",
      "QuerySecretValue789",
      "PasswordSecret000",
      "TeamKeySecret111",
    ];
    await hit("/test/ok", "red-000000001", { headers: { Authorization: `Bearer ${secrets[0]!}` } });
    await hit("/test/bad", "red-000000002", { headers: { Cookie: `pb_auth=${secrets[1]!}; theme=dark` } });
    await hit(`/test/ok?token=${secrets[2]}&page=2&password=${secrets[3]}&x-team-key=${secrets[4]}`, "red-000000003");
    await hit(`/api/collections/users/records?token=${secrets[2]}`, "red-000000004", { headers: { Authorization: secrets[0]! } });
    await waitFor(() => pb!.stdout().includes("red-000000004"), 10_000, "lines");
    const line = accessLines(parseStdout(pb.stdout()).records).find((r) => r.requestId === "red-000000003")!;
    expect(line.path).toBe("/test/ok?token=[redacted]&page=2&password=[redacted]&x-team-key=[redacted]");
    await pb.stop();
    const everything = pb.stdout() + pb.stderr();
    for (const s of secrets) expect(everything).not.toContain(s);
  });
});
