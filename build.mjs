#!/usr/bin/env node
// Builds what a user copies into PocketBase's hooks dir:
//   pb_hooks/pb_ops/index.js  the library bundle (CommonJS; in a subfolder so PocketBase does not
//                             run it as a hook file)
//   pb_hooks/pb_ops/hot.js    the request middleware alone (what every new VM loads); hot-lean.js
//                             the same without the admin gate and the rate limiter, loaded when
//                             both are off
//   pb_hooks/*.pb.js          registration files compiled one to one from src/hooks/*.pb.ts; every
//                             handler only require()s the library and calls one function.
// Every registration file is checked for handler isolation; a violation fails the build.
import { existsSync, realpathSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { findIsolationProblems, formatProblems } from "./tools/isolation-check.mjs";
import { identifierAt, originalPositionFor } from "./tools/sourcemap.mjs";

const ROOT = dirname(fileURLToPath(import.meta.url));

// The syntax goja runs natively in both supported PocketBase versions (v0.31.0 and v0.40.4 checked:
// object spread and rest, optional catch binding, `?.`, `??`: tests/build/target.integration.test.ts),
// so esbuild lowers nothing of it. Lowered object spread brought helper functions (`__spreadValues`...)
// that every new VM created before its first request (docs/performance.md).
const TARGET = "es2020";

/** Build-time stage switches of src/adapter/pipeline.ts: every stage in (the library, hot.js, profilers). */
export const ALL_STAGES = { __PB_OPS_HOT_ADMIN__: "true", __PB_OPS_HOT_RATELIMIT__: "true" };

export class IsolationError extends Error {}

/** The build refuses its input (a value import of pb-ops, an output over an input, a bad path). */
export class BuildRefusal extends Error {}

/** Bare specifiers that name pb-ops itself. */
const PB_OPS_SPECIFIER = /^pb-ops(\/.*)?$/;

const REQUIRE_FORM =
  'import types only (import type * as PbOps from "pb-ops") and reach pb-ops at run time through the bundle PocketBase already loaded: require(`${__hooks}/pb_ops/index.js`)';

function valueImportMessage(specifier) {
  return `value import from ${JSON.stringify(specifier)} would bundle a second copy of pb-ops, whose config, buckets and log state PocketBase never loads; ${REQUIRE_FORM}`;
}

/** A path as the user would type it: relative to the working dir when inside it. */
function shown(file) {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

/** `file:line:col`. */
function where(file, line, column) {
  return `${shown(file)}:${line}:${column}`;
}

/**
 * Compiles one registration file (TS or JS) and fails when a handler is not isolated. Problems are
 * reported at the line and with the names of the source file (through esbuild's source map).
 */
export async function compileHookFile(file) {
  const source = await readFile(file, "utf8");
  const { code, map } = await esbuild.transform(source, {
    loader: file.endsWith(".ts") ? "ts" : "js",
    // Hook files are scripts, not modules: an import becomes a top-level require(), and a handler
    // that uses it is then caught by the isolation check below.
    format: "cjs",
    target: TARGET,
    sourcefile: file,
    sourcemap: "external",
    legalComments: "inline",
  });
  const toSource = originalPositionFor(map);
  const at = (line, column) => toSource(line, column) ?? { line, column };

  // A value import of pb-ops in a hook file becomes require("pb-ops"), which PocketBase cannot
  // resolve ("Invalid module" at boot). Type imports are erased by esbuild and stay allowed.
  const lines = code.split("\n");
  for (let i = 0; i < lines.length; i++) {
    for (const m of lines[i].matchAll(/require\((["'])(pb-ops(?:\/[^"']*)?)\1\)/g)) {
      const o = at(i + 1, m.index);
      throw new BuildRefusal(
        `${where(file, o.line, o.column + 1)}: value import from ${JSON.stringify(m[2])} becomes require(${JSON.stringify(m[2])}) in the hook file, which PocketBase cannot load; ${REQUIRE_FORM}`,
      );
    }
  }

  const problems = findIsolationProblems(code).map((p) => {
    const o = toSource(p.line, p.column - 1);
    if (!o) return p;
    const name = o.name ?? identifierAt(source, o.line, o.column) ?? p.name;
    const message = name !== p.name ? p.message.replace(`refers to ${p.name},`, `refers to ${name},`) : p.message;
    return { ...p, name, line: o.line, column: o.column + 1, message };
  });
  if (problems.length) throw new IsolationError(formatProblems(shown(file), problems));
  return code;
}

/**
 * Bundles a library entry into one CommonJS file that PocketBase's require() can load. With
 * `refusePbOps`, a value import of pb-ops (or of any file of the pb-ops package) fails the build:
 * the bundle would carry a second pb-ops that PocketBase never configured.
 * Writes nothing itself: returns the code and the input files (for the caller's checks).
 */
export async function bundleLibrary(entry, outfile, define = {}, { refusePbOps = false, plainExports = false } = {}) {
  const plugins = refusePbOps
    ? [
        {
          name: "refuse-pb-ops",
          setup(b) {
            b.onResolve({ filter: PB_OPS_SPECIFIER }, (args) => ({ errors: [{ text: valueImportMessage(args.path) }] }));
          },
        },
      ]
    : [];
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      write: false,
      metafile: true,
      // plainExports: bundled as ESM, its one export statement then rewritten as `module.exports =`.
      format: plainExports ? "esm" : "cjs",
      platform: "neutral",
      mainFields: ["main", "module"],
      target: TARGET,
      define,
      logLevel: "silent",
      legalComments: "inline",
      plugins,
    });
  } catch (err) {
    if (!err.errors?.length) throw err;
    throw new BuildRefusal(
      err.errors
        .map((m) => (m.location ? `${where(resolve(m.location.file), m.location.line, m.location.column + 1)}: ${m.text}` : m.text))
        .join("\n"),
    );
  }
  if (result.warnings.length) console.warn((await esbuild.formatMessages(result.warnings, { kind: "warning" })).join(""));
  const inputs = Object.keys(result.metafile.inputs).map((f) => resolve(f));
  const text = result.outputFiles[0].text;
  if (refusePbOps) {
    // The import that crosses into the pb-ops package (a relative path or an alias to its files).
    const own = realpathSync(ROOT) + sep;
    const inPbOps = (f) => real(resolve(f)).startsWith(own);
    for (const [importer, info] of Object.entries(result.metafile.inputs)) {
      if (inPbOps(importer)) continue;
      const crossing = info.imports.find((im) => !im.external && inPbOps(im.path));
      if (crossing)
        throw new BuildRefusal(
          `${shown(resolve(importer))}: imports ${shown(resolve(crossing.path))}, a file of the pb-ops package: ${valueImportMessage("pb-ops")}`,
        );
    }
  }
  return { code: plainExports ? asPlainExports(text, entry) : text, inputs };
}

/**
 * An ESM bundle as CommonJS without esbuild's interop helpers: its closing `export { a, b as c };`
 * becomes `module.exports = { a, c: b };`. esbuild's CommonJS form defines the exports through
 * getters and ten helper functions (`__export`, `__toCommonJS`, `__copyProps`...) that every new VM
 * would create and run before the first request (docs/performance.md, "What one request in a
 * throwaway VM costs"). Strict mode as the CommonJS form had it. Refuses any other import or export.
 */
function asPlainExports(code, entry) {
  const m = /\nexport \{([^}]*)\};\n$/.exec(code);
  const body = m ? code.slice(0, m.index + 1) : code;
  if (/^(import|export)\b/m.test(body))
    throw new BuildRefusal(`${shown(entry)}: plain exports need an ESM bundle whose only export is one closing export { ... } list`);
  const names = m
    ? m[1]
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => {
          const [local, exported = local] = s.split(/\s+as\s+/);
          return exported === local ? local : `${exported}: ${local}`;
        })
    : [];
  return `"use strict";\n${body}module.exports = { ${names.join(", ")} };\n`;
}

function isInside(path, dir) {
  return path === dir || path.startsWith(dir + sep);
}

function real(p) {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** The `${__hooks}/...` paths a built hook file requires, with their generated line and column. */
function hooksRequires(code) {
  const found = [];
  const lines = code.split("\n");
  for (let i = 0; i < lines.length; i++) {
    for (const m of lines[i].matchAll(/require\(`\$\{__hooks\}\/([^`$]+)`\)/g)) found.push({ path: m[1], line: i + 1, column: m.index });
  }
  return found;
}

/**
 * Builds a hooks dir: a library bundle in `<outDir>/<libName>/index.js` and every `*.pb.ts|js` in
 * `hooksSrcDir` compiled to `<outDir>/<name>.pb.js`. Everything is compiled and checked before
 * anything is written; the build refuses to write over any of its inputs.
 *
 * `provides`: paths relative to outDir that another step puts there (pb-ops's own hooks), so a
 * `require(`${__hooks}/pb_ops/index.js`)` is known to resolve.
 */
export async function buildHooks({
  libEntry,
  libName,
  hooksSrcDir,
  outDir,
  define = {},
  refusePbOps = false,
  provides = [],
  extraLibs = {},
}) {
  const entries = (await readdir(hooksSrcDir)).filter((f) => /\.pb\.(ts|js)$/.test(f)).sort();
  if (entries.length === 0) throw new Error(`no *.pb.ts or *.pb.js files in ${hooksSrcDir}`);
  const compiled = [];
  for (const f of entries)
    compiled.push({ name: f.replace(/\.ts$/, ".js"), from: join(hooksSrcDir, f), code: await compileHookFile(join(hooksSrcDir, f)) });

  const libDir = libEntry ? join(outDir, libName) : undefined;
  const lib = libEntry ? await bundleLibrary(libEntry, join(libDir, "index.js"), define, { refusePbOps }) : undefined;
  // More bundles next to index.js (pb-ops: hot.js, the request middleware alone).
  const extras = [];
  if (libEntry)
    for (const [file, extra] of Object.entries(extraLibs)) {
      const { entry, define: own = {} } = typeof extra === "string" ? { entry: extra } : extra;
      const code = (await bundleLibrary(entry, join(libDir, file), { ...define, ...own }, { refusePbOps, plainExports: true })).code;
      extras.push([file, code]);
    }

  // Never write over an input: the user's own hooks (--hooks pointing at the hooks dir itself) or
  // sources inside the library folder the build replaces.
  const inputs = [...compiled.map((c) => c.from), ...(lib ? lib.inputs : [])].map(real);
  const outFiles = compiled.map((c) => real(join(outDir, c.name)));
  for (const input of inputs) {
    const clash = outFiles.includes(input) || (libDir && isInside(input, real(libDir)));
    if (clash) {
      throw new BuildRefusal(
        `refusing to write over an input: ${shown(input)} would be replaced by the build. ` +
          `--out must not be --hooks nor contain your sources; plain JS hooks need no build: leave them where they are and run pb-ops-build without --hooks to add pb-ops beside them`,
      );
    }
  }

  // A require of a path that will not exist is "Invalid module" at boot, without the path.
  const willExist = new Set([
    ...compiled.map((c) => c.name),
    ...(libEntry ? [`${libName}/index.js`, ...Object.keys(extraLibs).map((f) => `${libName}/${f}`)] : []),
    ...provides,
  ]);
  for (const c of compiled) {
    for (const r of hooksRequires(c.code)) {
      if (willExist.has(r.path) || existsSync(join(outDir, r.path))) continue;
      const source = await readFile(c.from, "utf8");
      const o = originalPositionFor(
        (
          await esbuild.transform(source, {
            loader: c.from.endsWith(".ts") ? "ts" : "js",
            format: "cjs",
            target: TARGET,
            sourcemap: "external",
            sourcefile: c.from,
          })
        ).map,
      )(r.line, r.column);
      const pos = o ? where(c.from, o.line, o.column + 1) : c.from;
      throw new BuildRefusal(
        `${pos}: requires \${__hooks}/${r.path}, which this build does not produce and ${shown(outDir)}/ does not hold (built: ${[...willExist].join(", ")})`,
      );
    }
  }

  await mkdir(outDir, { recursive: true });
  if (lib) {
    await rm(libDir, { recursive: true, force: true });
    await mkdir(libDir, { recursive: true });
    await writeFile(join(libDir, "index.js"), lib.code);
    for (const [file, code] of extras) await writeFile(join(libDir, file), code);
  }
  for (const c of compiled) await writeFile(join(outDir, c.name), c.code);
  return compiled.map((c) => c.name);
}

/** pb-ops's own hooks, into pb_hooks/ (or `outDir`, e.g. a folder `npm start` swaps in). */
export async function buildPbOps(outDir = join(ROOT, "pb_hooks")) {
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  return buildHooks({
    libEntry: join(ROOT, "src/index.ts"),
    libName: "pb_ops",
    hooksSrcDir: join(ROOT, "src/hooks"),
    outDir,
    // The request middleware alone, small so a new VM evaluates little (docs/performance.md).
    // hot-lean.js: the same without the admin gate and the rate limiter, which a VM loads when both are
    // off (chosen at boot, src/config/shared-plan.ts hotFileOf): fewer functions for every new VM.
    extraLibs: {
      "hot.js": join(ROOT, "src/hot.ts"),
      "hot-lean.js": { entry: join(ROOT, "src/hot.ts"), define: { __PB_OPS_HOT_ADMIN__: "false", __PB_OPS_HOT_RATELIMIT__: "false" } },
    },
    define: { __PB_OPS_VERSION__: JSON.stringify(pkg.version), ...ALL_STAGES },
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
