// Once per test run, before any worker: the pinned binaries exist and pb_hooks/ is freshly built
// from src/, so integration tests always load what the source says.
import { ensureAllPocketBase } from "../../scripts/binaries.mjs";
import { buildPbOps } from "../../build.mjs";

export default async function setup(): Promise<void> {
  await ensureAllPocketBase();
  await buildPbOps();
}
