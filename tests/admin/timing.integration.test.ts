// Issue 15 "Same cost", on both PocketBase versions: a refused admin request takes the same time
// as a miss of the same shape. 400 interleaved pairs per comparison (the order inside each pair is
// random, so drift and neighbours' load hit both kinds alike), after 100 warm-up pairs that are
// discarded (each pooled JS VM loads pb-ops on its first request). One keep-alive connection, so
// connection set-up is not measured. A two-sided Mann-Whitney U test must find no difference at
// p < 0.01. It runs in the serial group (scripts/test.mjs SERIAL_TESTS).
//
// To show the method can tell requests apart, a third comparison pits the miss against a request
// that does measurably more work (a list query on a collection with rows) and must find a
// difference.
import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POCKETBASE_VERSIONS, SUPERUSER, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { mannWhitney, median } from "../harness/stats";

const ADMIN_PATH = "/Tm4Kp9wQ2xL7vR3nZ8bY5";
const PAIRS = 400;
const WARMUP = 100;

interface Req {
  method: string;
  path: string;
  body?: string;
}

function timeOne(agent: Agent, port: number, r: Req): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: r.method,
        path: r.path,
        agent,
        headers: r.body ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(r.body) } : {},
      },
      (res) => {
        res.on("data", () => undefined);
        res.on("end", () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
      },
    );
    req.on("error", reject);
    req.end(r.body);
  });
}

/** Interleaved pairs; returns the latencies (ms) of each kind, warm-up discarded. */
async function pairs(port: number, a: () => Req, b: () => Req): Promise<{ a: number[]; b: number[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < WARMUP + PAIRS; i++) {
    const aFirst = Math.random() < 0.5;
    const first = await timeOne(agent, port, aFirst ? a() : b());
    const second = await timeOne(agent, port, aFirst ? b() : a());
    if (i < WARMUP) continue;
    out.a.push(aFirst ? first : second);
    out.b.push(aFirst ? second : first);
  }
  agent.destroy();
  return out;
}

const rnd = (n: number) =>
  "z" +
  Math.random()
    .toString(36)
    .slice(2)
    .padEnd(n, "q")
    .slice(0, n - 1);
const LOGIN = JSON.stringify({ identity: SUPERUSER.email, password: "wrong-password-1" });

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase;
  beforeAll(async () => {
    pb = await startPocketBase({
      version,
      env: { PB_ADMIN_PATH: ADMIN_PATH },
      extraHooks: { "test_sleep.pb.js": `routerAdd("GET", "/api/test-sleep", (e) => { sleep(1); return e.json(404, {}); });` },
    });
  }, 60_000);
  afterAll(async () => pb?.stop());

  const report = (what: string, r: { a: number[]; b: number[] }) => {
    const mw = mannWhitney(r.a, r.b);
    console.log(
      `${version} ${what}: medians ${median(r.a).toFixed(3)} ms vs ${median(r.b).toFixed(3)} ms, U=${mw.u}, z=${mw.z.toFixed(2)}, p=${mw.p.toFixed(4)}`,
    );
    return mw;
  };

  it("a refused superuser login (wrong password) costs what a login against an unknown collection costs", async () => {
    const r = await pairs(
      pb.port,
      () => ({ method: "POST", path: "/api/collections/_superusers/auth-with-password", body: LOGIN }),
      () => ({ method: "POST", path: `/api/collections/${rnd(11)}/auth-with-password`, body: LOGIN }),
    );
    expect(report("refused login vs unknown collection", r).p).toBeGreaterThanOrEqual(0.01);
  }, 120_000);

  it("a refused /_/ costs what an unknown page costs", async () => {
    const r = await pairs(
      pb.port,
      () => ({ method: "GET", path: "/_/" }),
      () => ({ method: "GET", path: `/${rnd(8)}/` }),
    );
    expect(report("refused /_/ vs unknown page", r).p).toBeGreaterThanOrEqual(0.01);
  }, 120_000);

  it("the method detects a real difference (control): an unknown page against a request that sleeps 1 ms more", async () => {
    const r = await pairs(
      pb.port,
      () => ({ method: "GET", path: `/${rnd(8)}/` }),
      () => ({ method: "GET", path: "/api/test-sleep" }),
    );
    expect(report("control", r).p).toBeLessThan(0.01);
  }, 120_000);
});
