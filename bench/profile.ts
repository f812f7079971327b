// npm run bench:profile: where a pb-ops request spends its time, stage by stage, measured inside
// the real PocketBase JS VM (mean microseconds per call over many calls on one real request).
// The machine is shared (2 cores, other test runs): each stage's figure is given as the minimum and
// the median over PROFILE_ROUNDS rounds (default 9); the minimum is the least disturbed estimate.
import { openSync } from "node:fs";
import { POCKETBASE_NEWEST } from "../scripts/versions.mjs";
import { buildPbOps } from "../build.mjs";
import { fetchJson } from "../toolkit/http";
import { startPocketBase } from "../toolkit/pocketbase";
import { FULL_STACK_ENV } from "./full-stack";
import { profilerHooks } from "./profiler-bundle";

const PROBE = `routerAdd("GET", "/api/bench-profile", (e) => {
  const timings = require(\`\${__hooks}/pb_ops_profile.js\`).profileStages(e, Number(e.request.url.query().get("n")) || 2000);
  e.response.header().del("Vary"); // the CORS stage adds one per call
  return e.json(200, timings);
});
`;

const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 9);
const N = Number(process.env.PROFILE_N ?? 2000);

/** Stages in pipeline order (pre0..., post0..., then the totals), whatever order the JSON had. */
function order(name: string): string {
  const m = /^(pre|post)(\d+):/.exec(name);
  if (m) return `${m[1] === "pre" ? 1 : 2}${m[2]!.padStart(3, "0")}`;
  return name === "newRequestState" ? "0" : name === "all stages" ? "9" : "8";
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

await buildPbOps();
const pb = await startPocketBase({
  version: POCKETBASE_NEWEST!,
  superuser: false,
  env: FULL_STACK_ENV,
  stdoutFd: openSync("/dev/null", "w"),
  extraHooks: { "zz_profile.pb.js": PROBE, ...(await profilerHooks()) },
});
try {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const { body } = await fetchJson(`${pb.url}/api/bench-profile?n=${N}`, {
      headers: { "User-Agent": "pb-ops-profile", Origin: "https://app.example.com" },
    });
    for (const [k, v] of Object.entries(body as Record<string, number>)) (samples[k] ??= []).push(v);
  }
  console.log(`${ROUNDS} rounds of ${N} calls, microseconds per call (min / median):`);
  for (const k of Object.keys(samples).sort((a, b) => order(a).localeCompare(order(b)))) {
    const s = sorted(samples[k]!);
    console.log(`  ${k.padEnd(28)} ${String(s[0]).padStart(7)} / ${String(s[Math.floor(s.length / 2)]).padStart(7)}`);
  }
} finally {
  await pb.stop();
}
