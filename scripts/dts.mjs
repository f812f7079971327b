#!/usr/bin/env node
// The typings pb-ops ships in dist/ (see docs/extending.md):
//   dist/index.d.ts ...     the public API, declarations of src/index.ts
//   dist/jsvm-runtime.d.ts  the globals goja_nodejs adds that PocketBase's types.d.ts leaves out
//                           (console, process, require)
//   dist/pocketbase.d.ts    PocketBase's own JSVM typings (types.d.ts) from the pinned newest
//                           binary, for `pb-ops-build init` when the user has none of their own
//
// `--prepare` (npm's `prepare`, which npm runs for a git install, and for `npm ci` and `npm pack`
// here): without PocketBase's typings already in types/ (a fresh git clone has no PocketBase binary
// to write them, and building one needs Go), the declarations are emitted without type-checking
// (`tsc --noCheck`, the same output up to union order) and dist/pocketbase.d.ts is left out;
// `pb-ops-build init` then takes the user's own pb_data/types.d.ts or PocketBase binary.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./setup.mjs";

function tsc(args) {
  const res = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), ...args], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (res.status !== 0) throw new Error(`tsc ${args.join(" ")} exited with ${res.status}`);
}

/** Writes dist/; returns whether the declarations were type-checked. */
export async function buildTypings({ prepare = false } = {}) {
  const unchecked = prepare && !existsSync(join(ROOT, "types", "types.d.ts"));
  rmSync(join(ROOT, "dist"), { recursive: true, force: true });
  let typings;
  if (!unchecked) {
    const { ensureTypings } = await import("./typings.mjs");
    typings = await ensureTypings();
  }
  tsc(["-p", "tsconfig.dts.json", ...(unchecked ? ["--noCheck"] : [])]);
  copyFileSync(join(ROOT, "src", "jsvm-runtime.d.ts"), join(ROOT, "dist", "jsvm-runtime.d.ts"));
  if (typings && existsSync(typings)) {
    const { POCKETBASE_NEWEST } = await import("./versions.mjs");
    writeFileSync(
      join(ROOT, "dist", "pocketbase.d.ts"),
      `// PocketBase ${POCKETBASE_NEWEST}'s JSVM typings, as the binary writes them to pb_data/types.d.ts\n` +
        `// (PocketBase is MIT-licensed, (c) Gani Georgiev). Shipped for \`pb-ops-build init\`; your own\n` +
        `// PocketBase's copy matches your version exactly: \`npx pb-ops-build types --from pb_data/types.d.ts\`.\n` +
        readFileSync(typings, "utf8"),
    );
  }
  return !unchecked;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const checked = await buildTypings({ prepare: process.argv.includes("--prepare") });
  console.log(`typings in dist/${checked ? "" : " (unchecked, without pocketbase.d.ts)"}`);
}
