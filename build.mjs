#!/usr/bin/env node
// Builds what a user copies into PocketBase's hooks dir:
//   pb_hooks/pb_ops/index.js  the library bundle (CommonJS; in a subfolder so PocketBase does not
//                             run it as a hook file)
//   pb_hooks/pb_ops/hot.js    the request middleware alone (what every new VM loads)
//   pb_hooks/*.pb.js          registration files compiled one to one from src/hooks/*.pb.ts; every
//                             handler only require()s the library and calls one function.
// Every registration file is checked for handler isolation; a violation fails the build.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { findIsolationProblems, formatProblems } from "./tools/isolation-check.mjs";

const ROOT = dirname(fileURLToPath(import.meta.url));

// goja runs ES2017 reliably; esbuild lowers anything newer.
const TARGET = "es2017";

export class IsolationError extends Error {}

/** Compiles one registration file (TS or JS) and fails when a handler is not isolated. */
export async function compileHookFile(file) {
  const source = await readFile(file, "utf8");
  const { code } = await esbuild.transform(source, {
    loader: file.endsWith(".ts") ? "ts" : "js",
    // Hook files are scripts, not modules: an import becomes a top-level require(), and a handler
    // that uses it is then caught by the isolation check below.
    format: "cjs",
    target: TARGET,
    sourcefile: file,
    legalComments: "inline",
  });
  const problems = findIsolationProblems(code);
  if (problems.length) throw new IsolationError(formatProblems(basename(file).replace(/\.ts$/, ".js"), problems));
  return code;
}

/** Bundles a library entry into one CommonJS file that PocketBase's require() can load. */
export async function bundleLibrary(entry, outfile, define = {}) {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "cjs",
    platform: "neutral",
    mainFields: ["main", "module"],
    target: TARGET,
    define,
    logLevel: "warning",
    legalComments: "inline",
  });
}

/**
 * Builds a hooks dir: a library bundle in `<outDir>/<libName>/index.js` and every `*.pb.ts|js` in
 * `hooksSrcDir` compiled to `<outDir>/<name>.pb.js`.
 */
export async function buildHooks({ libEntry, libName, hooksSrcDir, outDir, define = {}, extraLibs = {} }) {
  const entries = (await readdir(hooksSrcDir)).filter((f) => /\.pb\.(ts|js)$/.test(f)).sort();
  if (entries.length === 0) throw new Error(`no *.pb.ts or *.pb.js files in ${hooksSrcDir}`);
  const compiled = [];
  for (const f of entries) compiled.push([f.replace(/\.ts$/, ".js"), await compileHookFile(join(hooksSrcDir, f))]);

  await mkdir(outDir, { recursive: true });
  if (libEntry) {
    await rm(join(outDir, libName), { recursive: true, force: true });
    await bundleLibrary(libEntry, join(outDir, libName, "index.js"), define);
    for (const [file, entry] of Object.entries(extraLibs)) await bundleLibrary(entry, join(outDir, libName, file), define);
  }
  for (const [name, code] of compiled) await writeFile(join(outDir, name), code);
  return compiled.map(([name]) => name);
}

export async function buildPbOps() {
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  return buildHooks({
    libEntry: join(ROOT, "src/index.ts"),
    libName: "pb_ops",
    hooksSrcDir: join(ROOT, "src/hooks"),
    outDir: join(ROOT, "pb_hooks"),
    // The request middleware alone, small so a new VM evaluates little (docs/performance.md).
    extraLibs: { "hot.js": join(ROOT, "src/hot.ts") },
    define: { __PB_OPS_VERSION__: JSON.stringify(pkg.version) },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const files = await buildPbOps();
    console.log(`built pb_hooks/pb_ops/index.js and ${files.map((f) => `pb_hooks/${f}`).join(", ")}`);
  } catch (err) {
    console.error(err instanceof IsolationError ? `build failed: handler isolation\n${err.message}` : err);
    process.exit(1);
  }
}
