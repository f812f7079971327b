// Runs wrk (Debian package, installed on first use) against one URL and parses its report.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

export function ensureWrk(): string {
  if (existsSync("/usr/bin/wrk")) return "/usr/bin/wrk";
  process.stderr.write("[pb-ops bench] installing wrk (apt-get; first run only)\n");
  for (const args of [
    ["update", "-q"],
    ["install", "-y", "-q", "wrk"],
  ]) {
    const res = spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (res.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed`);
  }
  return "/usr/bin/wrk";
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function durationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`cannot parse wrk duration ${text}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Parses `wrk --latency` output. Exported for its unit test. */
export function parseWrk(out: string): LoadResult {
  const p = (pct: string) => {
    const m = new RegExp(`^\\s*${pct}%\\s+(\\S+)`, "m").exec(out);
    if (!m) throw new Error(`wrk output has no ${pct}% line:\n${out}`);
    return durationMs(m[1]!);
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in /.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (!rps || !total) throw new Error(`cannot parse wrk output:\n${out}`);
  return { requests: Number(total[1]), rps: Number(rps[1]), p50Ms: p("50"), p99Ms: p("99"), non2xx: non2xx ? Number(non2xx[1]) : 0 };
}

/** Bounded: one thread, `connections` connections, `seconds` seconds, then wrk exits. */
function wrkOnce(url: string, seconds: number, connections: number, headers: Record<string, string>): LoadResult {
  const h = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  const res = spawnSync(ensureWrk(), ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", ...h, url], {
    encoding: "utf8",
    timeout: (seconds + 30) * 1000,
  });
  if (res.status !== 0) throw new Error(`wrk failed: ${res.stderr}`);
  return parseWrk(res.stdout);
}

/** CPU ticks (utime + stime) a process has used so far, from /proc. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits (at most `maxMs`) until a server has worked off the load just measured: PocketBase writes its
 * request log in batches after the requests, and a server measured while the one before it still
 * does that shares the 2 cores with it (a no-op measured right after bare PocketBase's 25k req/s read
 * 15-27% low). Quiet: at most 2 ticks (20 ms of CPU) in 200 ms.
 */
async function settle(pid: number, maxMs = 5000): Promise<void> {
  const started = Date.now();
  let last = cpuTicks(pid);
  while (Date.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = cpuTicks(pid);
    if (now - last <= 2) return;
    last = now;
  }
}

/**
 * Loads `url` (served by process `pid`) with wrk, then waits until that server is quiet (settle), as
 * every interleaved bench round must, so the next server measured does not share the CPU with it.
 */
export async function runWrk(
  url: string,
  pid: number,
  seconds: number,
  connections: number,
  headers: Record<string, string> = {},
): Promise<LoadResult> {
  const res = wrkOnce(url, seconds, connections, headers);
  await settle(pid);
  return res;
}
