#!/usr/bin/env node
// pb-ops-build: builds an app team's TypeScript hooks exactly like pb-ops builds its own, with the
// same handler isolation check, and puts pb-ops's hooks next to them. `init` scaffolds a project.
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildHooks, BuildRefusal, IsolationError } from "../build.mjs";
import { init, installTypes, libNameOf } from "../tools/starter.mjs";

const PKG_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** What pb-ops puts into the hooks dir: its registration file and its library folder, nothing else. */
const PB_OPS_FILES = ["pb_ops.pb.js", "pb_ops"];

const USAGE = `Usage: pb-ops-build [options]
       pb-ops-build init [--from FILE | --pocketbase BIN]
       pb-ops-build types [--from FILE | --pocketbase BIN]

Builds your hooks for PocketBase's JS VM: every *.pb.ts|*.pb.js in --hooks is compiled one to one
into --out, your library (--lib) is bundled to <out>/<name>/index.js, and every registered handler
is checked for isolation (it may only use JSVM globals and require() inside its body). Nothing is
written when a check fails. Without src/hooks (a plain-JS app), only pb-ops's own hooks
(pb_ops.pb.js and pb_ops/) are put into --out, beside your files, which are left untouched.

  --hooks DIR    your registration files            (default: src/hooks)
  --lib FILE     your library entry, optional        (default: src/lib/index.ts if it exists)
  --name NAME    your library's folder under --out   (default: package.json name)
  --out DIR      the hooks dir to write              (default: pb_hooks)
  --no-pb-ops    do not copy pb-ops's own hooks into --out
  -h, --help     this text

init    writes a typed hooks project into the current folder (tsconfig.json for goja, src/hooks,
        src/lib, .gitignore, types/pocketbase.d.ts); existing files are kept.
types   refreshes types/pocketbase.d.ts, PocketBase's JSVM typings, e.g. after an upgrade:
  --from FILE        a types.d.ts (your PocketBase writes pb_data/types.d.ts on every start)
  --pocketbase BIN   run this PocketBase binary once on a temp dir to get its typings
  Default: ./pb_data/types.d.ts, else the copy pb-ops ships (PocketBase's newest tested version).`;

export async function main(argv = process.argv.slice(2), cwd = process.cwd()) {
  const command = argv[0] === "init" || argv[0] === "types" ? argv[0] : undefined;
  const { values } = parseArgs({
    args: command ? argv.slice(1) : argv,
    options: {
      hooks: { type: "string" },
      lib: { type: "string" },
      name: { type: "string" },
      out: { type: "string", default: "pb_hooks" },
      "no-pb-ops": { type: "boolean", default: false },
      from: { type: "string" },
      pocketbase: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (command === "init") {
    for (const line of init(cwd, PKG_ROOT, { from: values.from, pocketbase: values.pocketbase })) console.log(line);
    console.log("next: npx tsc --noEmit && npx pb-ops-build");
    return 0;
  }
  if (command === "types") {
    console.log(`wrote ${installTypes(cwd, PKG_ROOT, { from: values.from, pocketbase: values.pocketbase })}`);
    return 0;
  }

  const hooksSrcDir = resolve(cwd, values.hooks ?? "src/hooks");
  const outDir = resolve(cwd, values.out);
  const libEntry = values.lib
    ? resolve(cwd, values.lib)
    : existsSync(resolve(cwd, "src/lib/index.ts"))
      ? resolve(cwd, "src/lib/index.ts")
      : undefined;
  const name = values.name ?? libNameOf(cwd);
  if (name === "pb_ops") throw new BuildRefusal("--name pb_ops is taken by pb-ops itself; choose another name");
  const withPbOps = !values["no-pb-ops"];

  // A plain-JS app: no TypeScript to build, only pb-ops to add beside the user's own hooks.
  const jsOnly = values.hooks === undefined && !existsSync(hooksSrcDir) && !libEntry;
  if (!jsOnly && !existsSync(hooksSrcDir)) throw new BuildRefusal(`--hooks ${values.hooks ?? "src/hooks"}: no such folder`);
  const built = jsOnly
    ? []
    : await buildHooks({
        libEntry,
        libName: name,
        hooksSrcDir,
        outDir,
        refusePbOps: true,
        provides: withPbOps ? ["pb_ops.pb.js", "pb_ops/index.js"] : [],
      });
  if (withPbOps) installPbOps(outDir);
  if (jsOnly) {
    const own = readdirSync(outDir).filter((f) => !PB_OPS_FILES.includes(f));
    console.log(
      `no src/hooks: added pb-ops (pb_ops.pb.js, pb_ops/) to ${values.out}/ beside your ${own.length} own file(s), which were not touched`,
    );
    return 0;
  }
  console.log(
    `built ${built.map((f) => join(values.out, f)).join(", ")}${libEntry ? ` and ${join(values.out, name, "index.js")}` : ""}${withPbOps ? " (+ pb-ops hooks)" : ""}`,
  );
  return 0;
}

/** Copies exactly pb-ops's own files into outDir: nothing else there is written or removed. */
function installPbOps(outDir) {
  const from = join(PKG_ROOT, "pb_hooks");
  if (!existsSync(join(from, "pb_ops.pb.js")) || !existsSync(join(from, "pb_ops", "index.js"))) {
    throw new BuildRefusal(
      `pb-ops's own hooks are missing from ${from} (a git install runs npm's prepare to build them; reinstall pb-ops)`,
    );
  }
  if (realpathSync(from) === realpathSync(resolve(outDir, "."))) return;
  mkdirSync(outDir, { recursive: true });
  rmSync(join(outDir, "pb_ops"), { recursive: true, force: true });
  for (const f of PB_OPS_FILES) cpSync(join(from, f), join(outDir, f), { recursive: true });
}

// Run as a command, also through npm's node_modules/.bin symlink (argv[1] is then the link).
if (process.argv[1] && realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1])) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(
        err instanceof IsolationError ? `pb-ops-build: handler isolation\n${err.message}` : `pb-ops-build: ${err.message ?? err}`,
      );
      process.exit(1);
    },
  );
}
