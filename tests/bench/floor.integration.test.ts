// Real PocketBase, both versions: the pool bench's "Go calls alone" middlewares (bench/floor-middleware.ts)
// stand for the least any middleware doing pb-ops's work must do (full stack, defaults), so each must
// really do that work: answer GET /api/health with the same response headers as pb-ops with that
// configuration, take a token from a bucket in the store per request when the rate limiter is on, and
// write one JSON access line per request on stdout. If one did less, the bench's ceiling for pb-ops would
// be set too high.
import { afterEach, describe, expect, it } from "vitest";
import { goCallsAloneMiddleware } from "../../bench/floor-middleware";
import { FULL_STACK_ENV } from "../../bench/full-stack";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { accessLines, parseStdout } from "../harness/logs";

const VARYING = new Set(["date", "content-length"]);
const headerNames = (res: Response) => [...res.headers.keys()].filter((k) => !VARYING.has(k)).sort();
const remaining = (res: Response) => Number(/r=(\d+)/.exec(res.headers.get("ratelimit") ?? "")?.[1]);
const healthLines = (stdout: string) => accessLines(parseStdout(stdout).records).filter((r) => r.path === "/api/health");

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  const servers: RunningPocketBase[] = [];
  afterEach(async () => {
    for (const pb of servers.splice(0)) await pb.stop();
  });

  it.each([
    ["full", FULL_STACK_ENV],
    ["defaults", {}],
  ] as const)("the Go-calls-alone middleware answers like pb-ops's %s and does its per-request work", async (stack, env) => {
    const full = stack === "full";
    const pbops = await startPocketBase({ version, superuser: false, env });
    servers.push(pbops);
    const floor = await startPocketBase({
      version,
      superuser: false,
      withPbOps: false,
      extraHooks: { "floor.pb.js": goCallsAloneMiddleware(stack) },
    });
    servers.push(floor);
    const seen: Record<string, { names: string[][]; left: number[]; cors: (string | null)[] }> = {};
    for (const [name, pb] of [
      ["pbops", pbops],
      ["floor", floor],
    ] as const) {
      seen[name] = { names: [], left: [], cors: [] };
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${pb.url}/api/health`, { headers: { "User-Agent": "floor-test" } });
        expect(res.status).toBe(200);
        await res.text();
        seen[name].names.push(headerNames(res));
        seen[name].left.push(remaining(res));
      }
      const cors = await fetch(`${pb.url}/api/health`, { headers: { Origin: FULL_STACK_ENV.PB_CORS_ORIGINS! } });
      await cors.text();
      seen[name].cors.push(cors.headers.get("access-control-allow-origin"));
    }
    // The same response headers, request after request (PocketBase's own security headers replaced).
    expect(seen.floor!.names[0]).toEqual(seen.pbops!.names[0]);
    expect(seen.floor!.names[0]).toContain("x-request-id");
    expect(new Set(seen.floor!.names.map((n) => n.join()))).toEqual(new Set([seen.floor!.names[0]!.join()]));
    // The allowlisted origin is answered by the allowlist (full) or by PocketBase's own CORS (defaults).
    expect(seen.floor!.cors).toEqual(seen.pbops!.cors);
    expect(seen.floor!.cors[0]).toBe(full ? FULL_STACK_ENV.PB_CORS_ORIGINS : "*");
    // A token taken per request from a bucket kept in the store, as the rate limiter does: below the
    // 100M capacity, by at most the requests made (at 100M/s it refills between requests in other ms).
    for (const left of [seen.floor!.left, seen.pbops!.left]) {
      if (!full)
        expect(left.every(Number.isNaN)).toBe(true); // no RateLimit header without the limiter
      else for (const n of left) expect(n >= 99999997 && n <= 99999999, `remaining ${n}`).toBe(true);
    }
    // One JSON access line per request on stdout, as many as pb-ops wrote (the readiness probe's too).
    const mine = (stdout: string) => healthLines(stdout).filter((r) => r.userAgent === "floor-test");
    expect(mine(floor.stdout())).toHaveLength(3);
    expect(mine(floor.stdout())[0]).toMatchObject({ method: "GET", status: 200 });
    expect(healthLines(floor.stdout()).length).toBe(healthLines(pbops.stdout()).length);
  });
});
