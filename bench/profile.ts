// npm run bench:profile: where a pb-ops request spends its time, stage by stage, measured inside
// the real PocketBase JS VM (mean microseconds per call over many calls on one real request).
import { openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { POCKETBASE_NEWEST } from "../scripts/versions.mjs";
import { buildPbOps, bundleLibrary } from "../build.mjs";
import { fetchJson } from "../toolkit/http";
import { startPocketBase } from "../toolkit/pocketbase";
import { FULL_STACK_ENV } from "./full-stack";

const PROBE = `routerAdd("GET", "/api/bench-profile", (e) => {
  const timings = require(\`\${__hooks}/pb_ops_profile.js\`).profileStages(e, Number(e.request.url.query().get("n")) || 2000);
  e.response.header().del("Vary"); // the CORS stage adds one per call
  return e.json(200, timings);
});
`;

await buildPbOps();
// The profiler is its own bundle (src/adapter/profile.ts), so the production one does not carry it.
const { code: profiler } = await bundleLibrary(fileURLToPath(new URL("../src/adapter/profile.ts", import.meta.url)), "pb_ops_profile.js");
const pb = await startPocketBase({
  version: POCKETBASE_NEWEST!,
  superuser: false,
  env: FULL_STACK_ENV,
  stdoutFd: openSync("/dev/null", "w"),
  extraHooks: { "zz_profile.pb.js": PROBE, "pb_ops_profile.js": profiler },
});
try {
  for (let round = 0; round < 3; round++) {
    const { body } = await fetchJson(`${pb.url}/api/bench-profile?n=3000`, {
      headers: { "User-Agent": "pb-ops-profile", Origin: "https://app.example.com" },
    });
    console.log(
      `round ${round + 1}: ${Object.entries(body as Record<string, number>)
        .map(([k, v]) => `${k} ${v} us`)
        .join(", ")}`,
    );
  }
} finally {
  await pb.stop();
}
