// Real PocketBase, both versions: 64 concurrent keep-alive connections hammer one rule for 10 s.
// Buckets live in $app.store() and are updated with setFunc under its lock, so PocketBase's pool of
// VMs must admit no more than burst + rate x elapsed (zero over-admission) and, because the clients
// never let the bucket rest, at least 98% of it (no lost refills).
import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";

const CONNECTIONS = 64;
const DURATION_MS = 10_000;
// Well below what PocketBase serves on a shared 2-core machine, so the bucket is always drained.
const RATE = 20; // tokens per second (PB_RATE_LIMIT=20/1s)
const BURST = 20;

function get(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, localAddress: "127.0.0.30" }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
}

describe.each(POCKETBASE_VERSIONS)("PocketBase %s, PB_RATE_LIMIT=20/1s", (version: string) => {
  let pb: RunningPocketBase;
  beforeAll(async () => {
    // Access lines off: this test measures the limiter, not 20k log lines through a pipe.
    pb = await startPocketBase({ version, env: { PB_RATE_LIMIT: `${RATE}/1s`, PB_LOG_ACCESS: "false" } });
  });
  afterAll(async () => pb?.stop());

  it(`${CONNECTIONS} keep-alive connections for ${DURATION_MS / 1000} s: admitted <= burst + rate x elapsed and >= 98% of it`, {
    timeout: 60_000,
  }, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const counts = { ok: 0, limited: 0, other: 0 };
    const started = performance.now();
    const until = started + DURATION_MS;
    let firstReply = Infinity;
    let lastSend = 0;
    const worker = async () => {
      while (performance.now() < until) {
        lastSend = Math.max(lastSend, performance.now());
        const status = await get(agent, `${pb.url}/api/health`);
        firstReply = Math.min(firstReply, performance.now());
        if (status === 200) counts.ok++;
        else if (status === 429) counts.limited++;
        else counts.other++;
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    const ended = performance.now();
    agent.destroy();
    // PocketBase decided every request between the first send and the last reply: the widest
    // possible span, so burst + rate x it is a ceiling nothing may exceed. Its clock (Date.now) has
    // 1 ms steps, so it may see up to 1 ms more than that span. It also decided the first request
    // before the first reply and the last one after its send: [first reply, last send] lies inside
    // the span of decisions, so 98% of burst + rate x that is a floor a bucket kept drained must reach.
    const wideS = (ended - started + 1) / 1000;
    const narrowS = (lastSend - firstReply) / 1000;
    const ceiling = BURST + RATE * wideS;
    const floor = BURST + RATE * narrowS;
    console.log(
      `PocketBase ${version}: ${counts.ok} admitted, ${counts.limited} limited, ${counts.other} other; ` +
        `decision span between ${narrowS.toFixed(3)} s and ${wideS.toFixed(3)} s, so burst + rate x elapsed is ${floor.toFixed(1)}..${ceiling.toFixed(1)}; ` +
        `admitted = ${((100 * counts.ok) / ceiling).toFixed(2)}%..${((100 * counts.ok) / floor).toFixed(2)}% of it; ${Math.round((counts.ok + counts.limited) / wideS)} req/s`,
    );
    expect(counts.other).toBe(0);
    expect(counts.limited).toBeGreaterThan(counts.ok); // the bucket really was under pressure all along
    expect(narrowS).toBeGreaterThan(DURATION_MS / 1000 - 2); // the load really lasted ~10 s
    expect(counts.ok).toBeLessThanOrEqual(Math.floor(ceiling));
    expect(counts.ok).toBeGreaterThanOrEqual(0.98 * floor);
  });
});
