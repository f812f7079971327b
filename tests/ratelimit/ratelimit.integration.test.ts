// Real PocketBase, both pinned versions, PB_RATE_LIMIT=5/10s: token buckets per client address,
// shared by all VMs, with 429 + Retry-After + RateLimit headers, exemptions, the built-in auth rules,
// the trusted-proxy rules of e.realIP(), and rateLimit() inside an app's own route.
//
// PocketBase listens on 127.0.0.1 only; different clients are different source addresses in
// 127.0.0.0/8 (Linux routes the whole block to loopback), or different values of a proxy header
// once PocketBase is told to trust it.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { pollUntil, sleep } from "../../toolkit/wait";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One HTTP request from a chosen loopback source address (no keep-alive: a fresh socket each time). */
function hit(
  base: string,
  path: string,
  opts: { from?: string; method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(
      `${base}${path}`,
      {
        method: opts.method ?? "GET",
        localAddress: opts.from ?? "127.0.0.1",
        agent: false,
        headers: { ...(data ? { "content-type": "application/json" } : {}), ...opts.headers },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => {
          let body: any = text;
          try {
            body = JSON.parse(text);
          } catch {
            // keep text
          }
          resolve({ status: res.statusCode!, headers: res.headers, body });
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

/** pb-ops writes its lines through a pipe (src/adapter/stdout.ts): they land a moment after the reply. */
async function stdoutMatching(pb: RunningPocketBase, re: RegExp, timeoutMs = 3000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  await pollUntil(() => re.test(pb.stdout()), deadline - Date.now(), 25);
  return pb.stdout();
}

/**
 * Rejection events are themselves rate limited (1/s, burst 5, per VM); earlier tests may have used
 * that up, so a test that looks for one event first gives every VM a second's worth back.
 */
function logThrottleRefilled(): Promise<void> {
  return sleep(1100);
}

async function burst(base: string, path: string, n: number, opts: Parameters<typeof hit>[2] = {}): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < n; i++) out.push(await hit(base, path, opts));
  return out;
}

// An app route limited with the exported function (the example of docs/ratelimit.md).
const APP_HOOK = `routerAdd("POST", "/hello/sms", (e) => {
  const { rateLimit } = require(\`\${__hooks}/pb_ops/index.js\`);
  const info = e.requestInfo();
  const to = info.body && info.body.to;
  rateLimit(e, "sms", "2/60s", to ? { key: String(to) } : {});
  return e.json(200, { sent: true });
});
routerAdd("GET", "/api/hello/quota", (e) => {
  const { rateLimit } = require(\`\${__hooks}/pb_ops/index.js\`);
  const left = rateLimit(e, "quota", "3/60s");
  return e.json(200, left);
});
`;

describe.each(POCKETBASE_VERSIONS)("PocketBase %s with PB_RATE_LIMIT=5/10s", (version: string) => {
  let pb: RunningPocketBase;
  let token: string;
  beforeAll(async () => {
    pb = await startPocketBase({
      version,
      env: { PB_RATE_LIMIT: "5/10s", PB_RATE_LIMIT_EXEMPT: "127.0.0.9" },
      extraHooks: { "zz_app.pb.js": APP_HOOK },
    });
    token = await pb.superuserToken();
  });
  afterAll(async () => pb?.stop());

  it("the 6th rapid request from one client is 429 with Retry-After and RateLimit headers; another client is unaffected", async () => {
    const replies = await burst(pb.url, "/api/health", 6, { from: "127.0.0.10" });
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(replies.map((r) => r.headers.ratelimit)).toEqual([
      '"default";r=4;t=2',
      '"default";r=3;t=4',
      '"default";r=2;t=6',
      '"default";r=1;t=8',
      '"default";r=0;t=10',
      '"default";r=0;t=10',
    ]);
    const limited = replies[5]!;
    expect(limited.headers["ratelimit-policy"]).toBe('"default";q=5;w=10');
    // One token every 2 s; a few ms have passed since the bucket emptied.
    expect(limited.headers["retry-after"]).toBe("2");
    expect(limited.body).toEqual({ data: {}, message: "Too Many Requests.", status: 429 });
    expect(limited.headers["x-request-id"]).toBeTruthy();
    // pb-ops's header stage runs before the limiter, so a 429 is as hardened as any other answer.
    expect(limited.headers["x-content-type-options"]).toBe("nosniff");

    const other = await hit(pb.url, "/api/health", { from: "127.0.0.11" });
    expect(other.status).toBe(200);
    expect(other.headers.ratelimit).toBe('"default";r=4;t=2');
  });

  it("tokens come back at the refill rate: after Retry-After one more request passes, then 429 again", async () => {
    const replies = await burst(pb.url, "/api/health", 6, { from: "127.0.0.12" });
    expect(replies[5]!.status).toBe(429);
    const wait = Number(replies[5]!.headers["retry-after"]);
    await sleep(wait * 1000 + 50); // wall-clock time: the bucket refills at its rate
    const again = await burst(pb.url, "/api/health", 2, { from: "127.0.0.12" });
    expect(again.map((r) => r.status)).toEqual([200, 429]);
  });

  it("logs each rejection as a pb-ops event and tags the access line", async () => {
    await logThrottleRefilled();
    await burst(pb.url, "/api/health", 6, { from: "127.0.0.13" });
    const out = await stdoutMatching(pb, /"status":429,[^\n]*"ip":"127\.0\.0\.13"/);
    const lines = out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    const events = lines.filter((l) => l.msg === "rate limited" && l.key === "default|127.0.0.13");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ level: "WARN", rule: "default", method: "GET", path: "/api/health", retryAfterS: 2 });
    const access = lines.filter((l) => l.msg === "request" && l.ip === "127.0.0.13");
    expect(access.map((l) => `${l.status}:${l.rateLimit}`)).toEqual([...new Array(5).fill("200:allowed"), "429:limited"]);
  });

  it("PB_RATE_LIMIT_EXEMPT addresses and superusers are not limited; paths outside /api/ are not limited by default", async () => {
    const exempt = await burst(pb.url, "/api/health", 8, { from: "127.0.0.9" });
    expect(exempt.every((r) => r.status === 200 && r.headers.ratelimit === undefined)).toBe(true);

    await burst(pb.url, "/api/health", 6, { from: "127.0.0.14" });
    const su = await burst(pb.url, "/api/collections", 3, { from: "127.0.0.14", headers: { Authorization: token } });
    expect(su.map((r) => r.status)).toEqual([200, 200, 200]);
    const guest = await hit(pb.url, "/api/collections", { from: "127.0.0.14" });
    expect(guest.status).toBe(429);

    const ui = await burst(pb.url, "/_/", 8, { from: "127.0.0.14" });
    expect(ui.every((r) => r.status === 200)).toBe(true);
  });

  it("built-in auth rules: user sign-in allows 10 per minute, superuser sign-in 5, each its own bucket", async () => {
    const bad = { identity: "nobody@example.com", password: "wrong-password-123" };
    const users = await burst(pb.url, "/api/collections/users/auth-with-password", 11, { from: "127.0.0.15", method: "POST", body: bad });
    expect(users.map((r) => r.status)).toEqual([...new Array(10).fill(400), 429]);
    expect(users[10]!.headers["ratelimit-policy"]).toBe('"auth";q=10;w=60');
    expect(Number(users[10]!.headers["retry-after"])).toBeGreaterThanOrEqual(5);

    const supers = await burst(pb.url, "/api/collections/_superusers/auth-with-password", 6, {
      from: "127.0.0.15",
      method: "POST",
      body: bad,
    });
    expect(supers.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 429]);
    expect(supers[5]!.headers["ratelimit-policy"]).toBe('"superuser-auth";q=5;w=60');

    // The default /api/ bucket of that client is untouched by the auth attempts.
    expect((await hit(pb.url, "/api/health", { from: "127.0.0.15" })).headers.ratelimit).toBe('"default";r=4;t=2');
  });

  it("rateLimit() in an app route: its own named bucket, 429 with headers, per client or per caller-chosen key", async () => {
    const a = await burst(pb.url, "/hello/sms", 3, { from: "127.0.0.16", method: "POST", body: {} });
    expect(a.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(a[0]!.headers["ratelimit-policy"]).toBe('"sms";q=2;w=60');
    expect(a[0]!.headers.ratelimit).toBe('"sms";r=1;t=30');
    expect(a[2]!.headers["retry-after"]).toBe("30");
    expect(a[2]!.body).toEqual({ data: {}, message: "Too Many Requests.", status: 429 });
    expect((await hit(pb.url, "/hello/sms", { from: "127.0.0.17", method: "POST", body: {} })).status).toBe(200);

    const to = { to: "+15550100" };
    const k = [
      await hit(pb.url, "/hello/sms", { from: "127.0.0.18", method: "POST", body: to }),
      await hit(pb.url, "/hello/sms", { from: "127.0.0.19", method: "POST", body: to }),
      await hit(pb.url, "/hello/sms", { from: "127.0.0.20", method: "POST", body: to }),
    ];
    expect(k.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(pb.stdout()).not.toContain("+15550100");
  });

  it("rateLimit() under /api/: the route's policy joins the default rule's in one list per header", async () => {
    const r = await hit(pb.url, "/api/hello/quota", { from: "127.0.0.22" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ remaining: 2, exempt: false });
    expect(r.headers["ratelimit-policy"]).toBe('"default";q=5;w=10, "quota";q=3;w=60');
    expect(r.headers.ratelimit).toBe('"default";r=4;t=2, "quota";r=2;t=20');
  });

  // Last: it changes PocketBase's trusted-proxy settings.
  it("X-Forwarded-For is ignored until PocketBase trusts it; then it keys the bucket (IPv6 by /64)", async () => {
    const from = "127.0.0.21";
    await burst(pb.url, "/api/health", 5, { from });
    await logThrottleRefilled();
    const spoofed = await hit(pb.url, "/api/health", { from, headers: { "X-Forwarded-For": "198.51.100.1" } });
    expect(spoofed.status).toBe(429);
    // Behind an untrusted proxy the rejection log says why everyone may share one bucket.
    expect(await stdoutMatching(pb, /"hint"/)).toMatch(
      /"key":"default\|127\.0\.0\.21".*"hint":"request has X-Forwarded-For but PocketBase trusts no proxy header/,
    );

    const set = await hit(pb.url, "/api/settings", {
      method: "PATCH",
      headers: { Authorization: token },
      body: { trustedProxy: { headers: ["X-Forwarded-For"], useLeftmostIP: false } },
    });
    expect(set.status).toBe(200);

    const viaProxy = (ip: string) => ({ from, headers: { "X-Forwarded-For": ip } });
    const first = await burst(pb.url, "/api/health", 6, viaProxy("198.51.100.1"));
    expect(first.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await hit(pb.url, "/api/health", viaProxy("198.51.100.2"))).status).toBe(200);
    // Rightmost address is the one the proxy appended; a client-supplied left part changes nothing.
    expect((await hit(pb.url, "/api/health", viaProxy("203.0.113.99, 198.51.100.1"))).status).toBe(429);

    const v6 = await burst(pb.url, "/api/health", 5, viaProxy("2001:db8:1:2::1"));
    expect(v6.every((r) => r.status === 200)).toBe(true);
    expect((await hit(pb.url, "/api/health", viaProxy("2001:db8:1:2:ffff:ffff:ffff:ffff"))).status).toBe(429);
    expect((await hit(pb.url, "/api/health", viaProxy("2001:db8:1:3::1"))).status).toBe(200);
  });
});
