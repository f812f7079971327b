// Copies the JSVM typings (types.d.ts) that the pinned PocketBase binary writes into its data dir
// at bootstrap into types/ (gitignored). `tsc` checks src/ against exactly the API it runs on.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePocketBase } from "./binaries.mjs";
import { POCKETBASE_NEWEST } from "./versions.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export async function ensureTypings() {
  const target = join(ROOT, "types", "types.d.ts");
  const stamp = join(ROOT, "types", `.from-${POCKETBASE_NEWEST}`);
  if (existsSync(target) && existsSync(stamp)) return target;
  const bin = await ensurePocketBase(POCKETBASE_NEWEST);
  const dir = mkdtempSync(join(tmpdir(), "pbops-types-"));
  try {
    // Any bootstrapping command makes the jsvm plugin write <dataDir>/types.d.ts.
    execFileSync(bin, ["migrate", "history-sync", "--dir", join(dir, "data"), "--hooksDir", join(dir, "hooks")], { stdio: "ignore" });
    rmSync(join(ROOT, "types"), { recursive: true, force: true });
    mkdirSync(join(ROOT, "types"), { recursive: true });
    copyFileSync(join(dir, "data", "types.d.ts"), target);
    writeFileSync(stamp, `${POCKETBASE_NEWEST}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return target;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await ensureTypings());
