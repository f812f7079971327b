// PB_LOG_DB_REQUESTS=errors on real PocketBase, both versions: a successful request pb-ops wrote to
// stdout is not written to PocketBase's log database too; errors and requests without a stdout
// line still are. The default keeps PocketBase's behaviour (the control that proves the filter
// below can see successful requests at all).
import { afterEach, describe, expect, it } from "vitest";
import { accessLines, parseStdout, pocketbaseLogs } from "../harness/logs";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { TEST_ROUTE_HOOKS } from "../harness/test-routes";
import { waitFor } from "../../toolkit/wait";

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase | undefined;
  afterEach(async () => {
    await pb?.stop();
    pb = undefined;
  });

  /** Sends ok/bad/boom requests tagged `tag`, then returns the URLs PocketBase logged for the tag. */
  async function requestsLoggedByPocketBase(env: Record<string, string>, tag: string): Promise<string[]> {
    pb = await startPocketBase({ version, env, extraHooks: TEST_ROUTE_HOOKS });
    const token = await pb.superuserToken();
    for (const route of ["ok", "ok", "bad", "boom"]) {
      const res = await fetch(`${pb.url}/test/${route}?tag=${tag}-${route}`, { headers: { "X-Request-Id": `${tag}-${route}-id` } });
      await res.arrayBuffer();
    }
    // The two errors are always logged: once both are there, the batch holding the oks is flushed too.
    const entries = await pocketbaseLogs(pb, token, `data.url ~ '${tag}-'`, 2);
    return entries.map((e) => String(e.data.url)).sort();
  }

  it("default (all): every request is in PocketBase's log database", async () => {
    const urls = await requestsLoggedByPocketBase({}, "dball");
    expect(urls).toEqual(["/test/bad?tag=dball-bad", "/test/boom?tag=dball-boom", "/test/ok?tag=dball-ok", "/test/ok?tag=dball-ok"]);
  });

  it("errors: successful requests are on stdout only, errors in both places", async () => {
    const urls = await requestsLoggedByPocketBase({ PB_LOG_DB_REQUESTS: "errors" }, "dberr");
    expect(urls).toEqual(["/test/bad?tag=dberr-bad", "/test/boom?tag=dberr-boom"]);
    await waitFor(() => pb!.stdout().includes("dberr-boom-id"), 10_000, "access lines");
    const ids = accessLines(parseStdout(pb!.stdout()).records)
      .map((l) => l.requestId)
      .filter((id) => String(id).startsWith("dberr-"));
    expect(ids).toEqual(["dberr-ok-id", "dberr-ok-id", "dberr-bad-id", "dberr-boom-id"]);
  });

  it("errors: a successful request with no stdout line (filtered by PB_LOG_LEVEL) is still logged by PocketBase", async () => {
    const urls = await requestsLoggedByPocketBase({ PB_LOG_DB_REQUESTS: "errors", PB_LOG_LEVEL: "warn" }, "dbwarn");
    expect(urls).toEqual(["/test/bad?tag=dbwarn-bad", "/test/boom?tag=dbwarn-boom", "/test/ok?tag=dbwarn-ok", "/test/ok?tag=dbwarn-ok"]);
  });
});
