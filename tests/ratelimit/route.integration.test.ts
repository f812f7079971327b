// Real PocketBase, both pinned versions: rateLimit() inside an app's own route answers its 429 like
// the pbOps pipeline's: the request id on the response and on the "rate limited" event, and the
// access line tagged rateLimit/rateLimitRule (the route runs in another VM than the middleware,
// so the outcome travels on the request event). A bad limit string is a 500 naming the call.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStdout } from "../harness/logs";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { waitFor } from "../../toolkit/wait";

const APP_HOOK = `routerAdd("POST", "/api/app/sms", (e) => {
  require(\`\${__hooks}/pb_ops/index.js\`).rateLimit(e, "sms", "2/60s");
  return e.json(200, { sent: true });
});
routerAdd("GET", "/api/app/typo", (e) => {
  require(\`\${__hooks}/pb_ops/index.js\`).rateLimit(e, "x", "3 per minute");
  return e.json(200, {});
});
`;

type Line = Record<string, unknown>;

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase;
  beforeAll(async () => {
    pb = await startPocketBase({
      version,
      superuser: false,
      env: { PB_RATE_LIMIT: "100/60s", PB_RATE_LIMIT_RULES: "GET /api/health 1/60s name=healthz" },
      extraHooks: { "zz_app.pb.js": APP_HOOK },
    });
  });
  afterAll(async () => pb?.stop());

  const accessLineOf = async (requestId: string): Promise<Line> => {
    await waitFor(
      () => parseStdout(pb.stdout()).records.some((r) => r.msg === "request" && r.requestId === requestId),
      10_000,
      `access line ${requestId}`,
    );
    return parseStdout(pb.stdout()).records.find((r) => r.msg === "request" && r.requestId === requestId)!;
  };

  it("the in-route 429 carries the request id, and its access line and event have the pipeline's rate-limit fields", async () => {
    const replies: Response[] = [];
    for (let i = 0; i < 3; i++) replies.push(await fetch(`${pb.url}/api/app/sms`, { method: "POST" }));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 429]);
    const limited = replies[2]!;
    const id = limited.headers.get("x-request-id")!;
    expect(id).toMatch(/^\S{8,}$/);
    expect(await limited.json()).toEqual({ data: {}, message: "Too Many Requests.", status: 429 });

    const routeLine = await accessLineOf(id);
    expect(routeLine).toMatchObject({ status: 429, rateLimit: "limited", rateLimitRule: "sms" });
    const allowed = await accessLineOf(replies[0]!.headers.get("x-request-id")!);
    // The route's decision replaces the middleware's default-rule "allowed" on the same request.
    expect(allowed).toMatchObject({ status: 200, rateLimit: "allowed", rateLimitRule: "sms" });
    await waitFor(
      () => parseStdout(pb.stdout()).records.some((r) => r.msg === "rate limited" && r.requestId === id),
      10_000,
      "rate limited event",
    );
    expect(parseStdout(pb.stdout()).records.find((r) => r.msg === "rate limited" && r.requestId === id)).toMatchObject({
      level: "WARN",
      rule: "sms",
      method: "POST",
      path: "/api/app/sms",
    });

    // The pipeline's own 429, for comparison: the same fields on the same kinds of line.
    await fetch(`${pb.url}/api/health`);
    const piped = await fetch(`${pb.url}/api/health`);
    expect(piped.status).toBe(429);
    const pipeId = piped.headers.get("x-request-id")!;
    const pipeLine = await accessLineOf(pipeId);
    expect(pipeLine).toMatchObject({ status: 429, rateLimit: "limited", rateLimitRule: "healthz" });
    const fieldsOf = (l: Line) =>
      Object.keys(l)
        .filter((k) => !["time", "durationMs", "userAgent"].includes(k))
        .sort();
    expect(fieldsOf(routeLine)).toEqual(fieldsOf(pipeLine));
    await waitFor(
      () => parseStdout(pb.stdout()).records.some((r) => r.msg === "rate limited" && r.requestId === pipeId),
      10_000,
      "pipeline event",
    );
    const pipeEvent = parseStdout(pb.stdout()).records.find((r) => r.msg === "rate limited" && r.requestId === pipeId)!;
    const routeEvent = parseStdout(pb.stdout()).records.find((r) => r.msg === "rate limited" && r.requestId === id)!;
    expect(Object.keys(routeEvent).sort()).toEqual(Object.keys(pipeEvent).sort());
  });

  it("a bad limit string answers 500 naming the call, the reason and the accepted form", async () => {
    const res = await fetch(`${pb.url}/api/app/typo`);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { message: string };
    // PocketBase sentence-cases API error messages (capital first letter, final period).
    expect(body.message).toBe(
      'Pb-ops rateLimit(e, "x", "3 per minute"): rate "3" is not COUNT/WINDOW like 100/60s; expected COUNT/WINDOW [burst=N] [cost=N] [key=ip|auth], like 3/10m.',
    );
  });
});
