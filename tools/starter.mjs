// `pb-ops-build init`: the files of a new typed hooks project, and `pb-ops-build types`: the copy of
// PocketBase's JSVM typings it type-checks against. Writes only files that do not exist yet.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";

/** Where the project keeps its copy of PocketBase's typings (tsconfig includes it). */
const TYPES_FILE = "types/pocketbase.d.ts";

// Made for goja: ES2020 syntax and library (esbuild lowers to what goja runs), no DOM and no Node
// typings (their globals do not exist in PocketBase's VM and clash with PocketBase's own), strict.
// "pb-ops/jsvm" declares the globals goja_nodejs adds (require, console, process); PocketBase's
// typings declare the rest ($app, __hooks, routerAdd, core.*). Works with TypeScript 5 and 7.
const TSCONFIG = `{
  // Hooks run in PocketBase's goja VM: no DOM or Node libraries, only what the VM has.
  "compilerOptions": {
    "target": "ES2020",
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "lib": ["ES2020"],
    "types": ["pb-ops/jsvm"],
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "isolatedModules": true
  },
  // ${TYPES_FILE}: PocketBase's typings (refresh after a PocketBase upgrade:
  // npx pb-ops-build types --from pb_data/types.d.ts)
  "include": ["src/**/*.ts", "${TYPES_FILE}"]
}
`;

const HOOK = (name) => `// Registration only. PocketBase recompiles every handler from its own source text in a separate
// VM, so a handler sees nothing declared outside it: it require()s this app's bundle and calls one
// function (pb-ops-build checks this and fails the build otherwise).

routerAdd("GET", "/api/${name}/hello", (e) => {
  return require(\`\${__hooks}/${name}/index.js\`).hello(e);
});
`;

const LIB = `// Your logic, bundled by pb-ops-build into pb_hooks/<name>/index.js. pb-ops is reached through the
// bundle PocketBase already loaded; import its types only (a value import would bundle a second
// pb-ops, and the build refuses it).
import type * as PbOps from "pb-ops";

function ops(): typeof PbOps {
  return require(\`\${__hooks}/pb_ops/index.js\`);
}

export function hello(e: core.RequestEvent): void {
  const { rateLimit, log } = ops();
  // 5 per minute per client address, on top of pb-ops's own limits: over it, a 429 with Retry-After.
  rateLimit(e, "hello", "5/1m");
  log.forRequest(e).info("hello", { from: e.realIP() });
  e.json(200, { hello: "world" });
}
`;

const GITIGNORE = `node_modules/
pb_hooks/
pb_data/
${TYPES_FILE}
`;

/** The package name as pb-ops-build names the library folder (same rule as the build). */
export function libNameOf(cwd) {
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8"));
    if (pkg.name)
      return String(pkg.name)
        .replace(/^@[^/]+\//, "")
        .replace(/[^A-Za-z0-9_-]/g, "_");
  } catch {
    // no package.json: the folder name
  }
  return cwd
    .split("/")
    .pop()
    .replace(/[^A-Za-z0-9_-]/g, "_");
}

/**
 * Copies PocketBase's typings into the project, from (first found): `from` (a types.d.ts, e.g. your
 * pb_data/types.d.ts), `pocketbase` (a binary: run once on a temp dir to write them),
 * ./pb_data/types.d.ts, or the copy pb-ops ships (its pinned newest PocketBase).
 */
export function installTypes(cwd, pkgRoot, { from, pocketbase } = {}) {
  const target = join(cwd, TYPES_FILE);
  mkdirSync(dirname(target), { recursive: true });
  if (pocketbase) {
    const dir = mkdtempSync(join(tmpdir(), "pb-ops-types-"));
    try {
      // Any bootstrapping command makes PocketBase's JSVM plugin write <dir>/types.d.ts.
      execFileSync(resolve(cwd, pocketbase), ["migrate", "history-sync", "--dir", join(dir, "data"), "--hooksDir", join(dir, "hooks")], {
        stdio: "pipe",
      });
      copyFileSync(join(dir, "data", "types.d.ts"), target);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return `${TYPES_FILE} (written by ${pocketbase})`;
  }
  const candidates = from ? [resolve(cwd, from)] : [join(cwd, "pb_data", "types.d.ts"), join(pkgRoot, "dist", "pocketbase.d.ts")];
  const found = candidates.find((f) => existsSync(f));
  if (!found) {
    throw new Error(
      from
        ? `${from}: no such file`
        : `no PocketBase typings found: run your PocketBase once (it writes pb_data/types.d.ts) and pass --from pb_data/types.d.ts, or pass --pocketbase ./pocketbase`,
    );
  }
  copyFileSync(found, target);
  return `${TYPES_FILE} (from ${relative(cwd, found).startsWith("..") ? found : relative(cwd, found)})`;
}

/** Writes the starter files that do not exist yet; returns what it did, one line per file. */
export function init(cwd, pkgRoot, opts = {}) {
  const name = libNameOf(cwd);
  if (name === "pb_ops") throw new Error("the package name pb_ops is taken by pb-ops itself; rename your package");
  const files = [
    ["tsconfig.json", TSCONFIG],
    [`src/hooks/${name}.pb.ts`, HOOK(name)],
    ["src/lib/index.ts", LIB],
    [".gitignore", GITIGNORE],
  ];
  const done = [];
  for (const [rel, text] of files) {
    const path = join(cwd, rel);
    if (existsSync(path)) {
      done.push(`kept ${rel} (exists)`);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    done.push(`wrote ${rel}`);
  }
  if (existsSync(join(cwd, TYPES_FILE)) && !opts.from && !opts.pocketbase) done.push(`kept ${TYPES_FILE} (exists)`);
  else done.push(`wrote ${installTypes(cwd, pkgRoot, opts)}`);
  return done;
}
