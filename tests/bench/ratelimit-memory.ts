// Benchmark (not part of `npm test`; `npm run bench:ratelimit-memory`): the limiter's memory stays
// bounded when clients rotate addresses, and a live client stays limited throughout.
//
// Real PocketBase with PB_RATE_LIMIT=5/10s and the default PB_RATE_LIMIT_MAX_KEYS, trusting
// X-Forwarded-For so each request can claim a distinct client address. Sends N requests (default
// 1,000,000) from N distinct addresses, interleaved with a "live" client that never stops asking.
// Reports PocketBase's RSS growth (VmRSS from /proc) and fails (exit 1) if it reaches 64 MB or the
// live client got more than burst + rate x elapsed.
//
// Then measures the cost per request: sequential GET /api/health on one keep-alive connection with
// the limiter off and on, and the in-VM cost of one rateLimit() call (store setFunc included).
//
//   npm run bench:ratelimit-memory -- [--addresses 1000000] [--version v0.40.4] [--connections 12] [--control]
//
// 12 connections stay below PocketBase's pool of 15 VMs: more would make it build throwaway VMs
// per request, whose garbage would be counted here as if it were the limiter's.
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { parseArgs } from "node:util";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { buildPbOps } from "../../build.mjs";
import { ensurePocketBase } from "../../scripts/binaries.mjs";
import { sleep } from "../../toolkit/wait";

const { values: args } = parseArgs({
  options: {
    addresses: { type: "string", default: "1000000" },
    version: { type: "string", default: POCKETBASE_VERSIONS[0] },
    connections: { type: "string", default: "12" },
    control: { type: "boolean", default: false },
  },
});
const N = Number(args.addresses);
const CONNECTIONS = Number(args.connections);
const LIMIT_MB = 64;

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]);
}

function get(agent: Agent, url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The n-th distinct IPv4 address in 10.0.0.0/8 (16.7 M available). */
function address(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

async function memory(limiter: boolean): Promise<boolean> {
  const pb = await startPocketBase({
    version: args.version!,
    env: { PB_RATE_LIMIT: limiter ? "5/10s" : "off", PB_LOG_ACCESS: "false", PB_LOG_LEVEL: "error" },
  });
  try {
    const token = await pb.superuserToken();
    const set = await fetch(`${pb.url}/api/settings`, {
      method: "PATCH",
      headers: { Authorization: token, "content-type": "application/json" },
      // PocketBase's own request log (auxiliary.db, on by default) grows with every request: 57 MB
      // on disk and a growing SQLite cache after 120k requests, the limiter's or not. It is off
      // here so RSS shows the limiter; `--control` runs the same traffic with the limiter off.
      body: JSON.stringify({ trustedProxy: { headers: ["X-Forwarded-For"], useLeftmostIP: false }, logs: { maxDays: 0 } }),
    });
    if (!set.ok) throw new Error(`settings: ${set.status}`);
    const pid = pb.process.pid!;
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS + 1 });
    const url = `${pb.url}/api/health`;

    // Warm up the VM pool and the Go heap with addresses outside the measured range.
    let w = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (w < 20_000) await get(agent, url, { "X-Forwarded-For": `172.16.${(w >> 8) & 255}.${w++ & 255}` });
      }),
    );
    const baseline = rssKiB(pid);
    console.log(
      `PocketBase ${args.version}, limiter ${limiter ? "on (5/10s)" : "OFF (control)"}: RSS after warm-up ${(baseline / 1024).toFixed(1)} MB; sending ${N} requests from ${N} distinct addresses over ${CONNECTIONS} connections`,
    );

    const started = Date.now();
    let next = 0;
    let peak = baseline;
    const live = { ok: 0, limited: 0 };
    let done = false;
    const liveClient = (async () => {
      while (!done) {
        const s = await get(agent, url, { "X-Forwarded-For": "192.0.2.1" });
        if (s === 200) live.ok++;
        else if (s === 429) live.limited++;
        await sleep(20);
      }
    })();
    const workers = Array.from({ length: CONNECTIONS }, async () => {
      while (next < N) {
        const n = next++;
        await get(agent, url, { "X-Forwarded-For": address(n) });
        if (n > 0 && n % 100_000 === 0) {
          const rss = rssKiB(pid);
          peak = Math.max(peak, rss);
          console.log(
            `  ${n} addresses, ${Math.round(n / ((Date.now() - started) / 1000))} req/s, RSS ${(rss / 1024).toFixed(1)} MB (+${((rss - baseline) / 1024).toFixed(1)}), live client ${live.ok} admitted / ${live.limited} limited`,
          );
        }
      }
    });
    await Promise.all(workers);
    done = true;
    await liveClient;
    const elapsedS = (Date.now() - started) / 1000;
    const end = rssKiB(pid);
    peak = Math.max(peak, end);
    // The live client's bucket must have survived all the evictions: right now it is empty.
    const after = await get(agent, url, { "X-Forwarded-For": "192.0.2.1" });
    agent.destroy();
    const liveCeiling = 5 + 0.5 * (elapsedS + 1);
    const growthMB = (end - baseline) / 1024;
    console.log(
      `RESULT: ${N} distinct addresses in ${elapsedS.toFixed(0)} s (${Math.round(N / elapsedS)} req/s); RSS ${(baseline / 1024).toFixed(1)} -> ${(end / 1024).toFixed(1)} MB, ` +
        `growth ${growthMB.toFixed(1)} MB (peak +${((peak - baseline) / 1024).toFixed(1)} MB; limit ${LIMIT_MB} MB); ` +
        `live client ${live.ok} admitted (ceiling ${liveCeiling.toFixed(1)}), ${live.limited} limited, next request ${after}`,
    );
    if (!limiter) return true;
    return growthMB < LIMIT_MB && (peak - baseline) / 1024 < LIMIT_MB && live.ok <= liveCeiling && live.limited > 0 && after === 429;
  } finally {
    await pb.stop();
  }
}

async function sequentialMs(pb: RunningPocketBase, n: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 500; i++) await get(agent, `${pb.url}/api/health`);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await get(agent, `${pb.url}/api/health`);
  agent.destroy();
  return (performance.now() - t0) / n;
}

const MICRO_HOOK = `routerAdd("GET", "/bench/ratelimit", (e) => {
  const { rateLimit } = require(\`\${__hooks}/pb_ops/index.js\`);
  const n = 100000;
  rateLimit(e, "bench", "1000000000/1s", { key: "warm" });
  const t0 = Date.now();
  for (let i = 0; i < n; i++) rateLimit(e, "bench", "1000000000/1s", { key: "k" + (i % 5000) });
  return e.json(200, { usPerCall: ((Date.now() - t0) * 1000) / n });
});
`;

async function overhead(): Promise<void> {
  const n = 5000;
  const off = await startPocketBase({ version: args.version!, env: { PB_LOG_ACCESS: "false" } });
  const offMs = await sequentialMs(off, n);
  await off.stop();
  const on = await startPocketBase({
    version: args.version!,
    env: { PB_LOG_ACCESS: "false", PB_RATE_LIMIT: "1000000000/1s" },
    extraHooks: { "zz_bench.pb.js": MICRO_HOOK },
  });
  const onMs = await sequentialMs(on, n);
  const micro = (await (await fetch(`${on.url}/bench/ratelimit`)).json()) as { usPerCall: number };
  await on.stop();
  console.log(
    `RESULT: sequential GET /api/health: ${offMs.toFixed(3)} ms/request with the limiter off, ${onMs.toFixed(3)} ms with it on ` +
      `(difference ${((onMs - offMs) * 1000).toFixed(0)} us, noisy); one rateLimit() call in the VM: ${micro.usPerCall.toFixed(1)} us`,
  );
}

await ensurePocketBase(args.version!);
await buildPbOps();
const ok = await memory(true);
if (args.control) await memory(false);
await overhead();
process.exit(ok ? 0 : 1);
