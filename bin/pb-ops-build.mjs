#!/usr/bin/env node
// pb-ops-build: builds an app team's TypeScript hooks exactly like pb-ops builds its own, with the
// same handler isolation check, and puts pb-ops's hooks next to them.
import { cpSync, existsSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildHooks, buildPbOps, IsolationError } from "../build.mjs";

const PKG_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

const USAGE = `Usage: pb-ops-build [options]

Builds your hooks for PocketBase's JS VM: every *.pb.ts|*.pb.js in --hooks is compiled one to one
into --out, your library (--lib) is bundled to <out>/<name>/index.js, and every registered handler
is checked for isolation (it may only use JSVM globals and require() inside its body).

  --hooks DIR    your registration files            (default: src/hooks)
  --lib FILE     your library entry, optional        (default: src/lib/index.ts if it exists)
  --name NAME    your library's folder under --out   (default: package.json name)
  --out DIR      the hooks dir to write              (default: pb_hooks)
  --no-pb-ops    do not copy pb-ops's own hooks into --out
  -h, --help     this text`;

export async function main(argv = process.argv.slice(2), cwd = process.cwd()) {
  const { values } = parseArgs({
    args: argv,
    options: {
      hooks: { type: "string", default: "src/hooks" },
      lib: { type: "string" },
      name: { type: "string" },
      out: { type: "string", default: "pb_hooks" },
      "no-pb-ops": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const hooksSrcDir = resolve(cwd, values.hooks);
  const outDir = resolve(cwd, values.out);
  const libEntry = values.lib ? resolve(cwd, values.lib) : existsSync(resolve(cwd, "src/lib/index.ts")) ? resolve(cwd, "src/lib/index.ts") : undefined;
  const name = values.name ?? packageName(cwd);
  if (name === "pb_ops") throw new Error('--name pb_ops is taken by pb-ops itself; choose another name');

  const built = await buildHooks({ libEntry, libName: name, hooksSrcDir, outDir });
  if (!values["no-pb-ops"]) {
    if (!existsSync(join(PKG_ROOT, "pb_hooks", "pb_ops.pb.js"))) await buildPbOps();
    cpSync(join(PKG_ROOT, "pb_hooks"), outDir, { recursive: true });
  }
  console.log(`built ${built.map((f) => join(values.out, f)).join(", ")}${libEntry ? ` and ${join(values.out, name, "index.js")}` : ""}${values["no-pb-ops"] ? "" : " (+ pb-ops hooks)"}`);
  return 0;
}

function packageName(cwd) {
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8"));
    return String(pkg.name).replace(/^@[^/]+\//, "").replace(/[^A-Za-z0-9_-]/g, "_");
  } catch {
    return basename(cwd).replace(/[^A-Za-z0-9_-]/g, "_");
  }
}

// Run as a command, also through npm's node_modules/.bin symlink (argv[1] is then the link).
if (process.argv[1] && realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1])) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof IsolationError ? `pb-ops-build: handler isolation\n${err.message}` : `pb-ops-build: ${err.message ?? err}`);
      process.exit(1);
    },
  );
}
