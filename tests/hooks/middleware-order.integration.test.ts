// Real PocketBase, both versions: what an app's own router middleware (priority 0, after pbOps at
// -1016) sees, as docs/extending.md says. Rate-limited requests never reach it; what passes carries
// pb-ops's request id and headers; a middleware below -1016 runs first and sees everything. Admin-gate
// refusals reach it once, as the miss they are answered as: the path the client asked for, routed to
// PocketBase's catch-all, with pb-ops's request id and headers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";

const ADMIN_PATH = "/7f3c9a1e5b2d8c4f6a0e";

const APP_HOOK = `
routerUse((e) => {
  const h = e.response.header();
  $app.store().setFunc("seen", (old) => (old || []).concat([e.request.url.path + " " + (h.get("X-Request-Id") || "-") + " " + (h.get("X-Content-Type-Options") || "-")]));
  return e.next();
});
routerUse(new Middleware((e) => {
  $app.store().setFunc("seenEarly", (old) => (old || []).concat([e.request.url.path + " " + (e.response.header().get("X-Request-Id") || "-")]));
  return e.next();
}, -1017, "appEarly"));
routerAdd("GET", "/api/app/ping", (e) => e.json(200, { pong: true }));
routerAdd("GET", "/seen", (e) => e.json(200, { seen: $app.store().get("seen") || [], early: $app.store().get("seenEarly") || [] }));
`;

describe.each(POCKETBASE_VERSIONS)("PocketBase %s: an app middleware beside pbOps", (version: string) => {
  let pb: RunningPocketBase;
  beforeAll(async () => {
    pb = await startPocketBase({
      version,
      superuser: false,
      env: { PB_RATE_LIMIT_RULES: "GET /api/app/ping 1/60s name=ping", PB_ADMIN_PATH: ADMIN_PATH },
      extraHooks: { "zz_app.pb.js": APP_HOOK },
    });
  });
  afterAll(async () => pb?.stop());

  it("sees what passes with pb-ops's headers, never a 429, and a refused admin request once, as a miss", async () => {
    const ok = await fetch(`${pb.url}/api/app/ping`);
    expect(ok.status).toBe(200);
    const limited = await fetch(`${pb.url}/api/app/ping`);
    expect(limited.status).toBe(429);
    const admin = await fetch(`${pb.url}/_/`);
    expect(admin.status).toBe(404);
    const all = (await (await fetch(`${pb.url}/seen`)).json()) as { seen: string[]; early: string[] };
    // The harness's own health polls came first; keep what this test sent.
    const mine = (l: string) => !l.startsWith("/api/health ");
    const seen = all.seen.filter(mine);
    const early = all.early.filter(mine);
    const okId = ok.headers.get("x-request-id")!;
    const limitedId = limited.headers.get("x-request-id")!;
    expect(seen[0]).toBe(`/api/app/ping ${okId} nosniff`);
    expect(seen.some((l) => l.includes(limitedId))).toBe(false);
    // The admin refusal: once, as the miss it is answered as (the client's own path, pb-ops's
    // request id and headers on the 404 it gets).
    expect(seen).toHaveLength(3);
    expect(seen[1]).toBe(`/_/ ${admin.headers.get("x-request-id")} nosniff`);
    expect(seen[2]).toMatch(/^\/seen /);
    // Before pbOps: every request, the refused ones included, and no request id yet.
    expect(early.slice(0, 3)).toEqual(["/api/app/ping -", "/api/app/ping -", "/_/ -"]);
  });
});
