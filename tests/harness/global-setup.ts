// Once per test run, before any worker: the pinned binaries exist, and pb_hooks/ and the typings in
// dist/ are freshly built from src/, so tests always load what the source says (and no test
// rebuilds them under another one reading them).
import { ensureAllPocketBase } from "../../scripts/binaries.mjs";
import { buildPbOps } from "../../build.mjs";
import { buildTypings } from "../../scripts/dts.mjs";

export default async function setup(): Promise<void> {
  await ensureAllPocketBase();
  await buildPbOps();
  await buildTypings();
}
