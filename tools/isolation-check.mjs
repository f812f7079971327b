// Proves, with a real JS parser and scope analysis, that every handler registered in a built
// *.pb.js file only refers to JSVM globals. PocketBase recompiles each handler from its source text
// in isolation (plugins/jsvm/binds.go), so an outer name that works in Node is a ReferenceError
// there, and only at request time.
import * as espree from "espree";
import * as eslintScope from "eslint-scope";
import { HANDLER_GLOBALS } from "./jsvm-globals.mjs";

const REGISTRARS = /^(routerAdd|routerUse|cronAdd|on[A-Z][A-Za-z]*)$/;
const PARSE = { ecmaVersion: "latest", sourceType: "script", range: true, loc: true };

/**
 * @param {string} code built hook file source
 * @returns {{handler: string, name: string, line: number, column: number, message: string}[]}
 */
export function findIsolationProblems(code) {
  const ast = espree.parse(code, PARSE);
  const topLevelFunctions = new Map();
  for (const stmt of ast.body) {
    if (stmt.type === "FunctionDeclaration" && stmt.id) topLevelFunctions.set(stmt.id.name, stmt);
  }

  const problems = [];
  walk(ast, (node) => {
    const callee = node.type === "CallExpression" || node.type === "NewExpression" ? node.callee : null;
    if (callee?.type !== "Identifier") return;
    const isMiddleware = node.type === "NewExpression" && callee.name === "Middleware";
    if (!isMiddleware && !(node.type === "CallExpression" && REGISTRARS.test(callee.name))) return;

    const label = describe(node, code);
    for (const arg of node.arguments) {
      let fn = arg;
      if (arg.type === "Identifier") {
        fn = topLevelFunctions.get(arg.name);
        if (!fn) {
          problems.push(problem(label, arg.name, arg, `handler ${arg.name} is not a function declared in this file`));
          continue;
        }
      }
      if (fn.type !== "FunctionExpression" && fn.type !== "ArrowFunctionExpression" && fn.type !== "FunctionDeclaration") continue;
      problems.push(...checkHandler(code.slice(fn.range[0], fn.range[1]), fn, label));
    }
  });
  return problems;
}

function checkHandler(source, fn, label) {
  if (fn.async || fn.generator) {
    return [
      problem(label, fn.async ? "async" : "function*", fn, "handler must be a plain synchronous function (PocketBase does not await it)"),
    ];
  }
  // Parse the handler exactly as PocketBase does: alone, in strict mode.
  const wrapped = `(${source})`;
  const ast = espree.parse(wrapped, PARSE);
  const scopes = eslintScope.analyze(ast, { ecmaVersion: 2022, sourceType: "script", impliedStrict: true });
  const problems = [];
  const seen = new Set();
  for (const ref of scopes.globalScope.through) {
    const name = ref.identifier.name;
    if (HANDLER_GLOBALS.has(name) || seen.has(name)) continue;
    seen.add(name);
    // Map the position inside the wrapped source back to the file.
    const offset = fn.range[0] + ref.identifier.range[0] - 1;
    const at = { loc: { start: { ...positionOf(fn, source, ref.identifier.range[0] - 1) } }, range: [offset, offset] };
    problems.push(
      problem(
        label,
        name,
        at,
        `handler refers to ${name}, which does not exist in PocketBase's handler VM; require() shared code inside the handler`,
      ),
    );
  }
  return problems;
}

function positionOf(fn, source, index) {
  const before = source.slice(0, index).split("\n");
  const line = fn.loc.start.line + before.length - 1;
  const column = before.length === 1 ? fn.loc.start.column + index : before[before.length - 1].length;
  return { line, column };
}

function problem(handler, name, node, message) {
  return { handler, name, line: node.loc.start.line, column: node.loc.start.column + 1, message };
}

function describe(node, code) {
  const literals = node.arguments
    .filter((a) => a.type === "Literal" || a.type === "TemplateLiteral" || (a.type === "UnaryExpression" && a.argument.type === "Literal"))
    .map((a) => code.slice(a.range[0], a.range[1]));
  return `${node.type === "NewExpression" ? "new " : ""}${node.callee.name}(${literals.join(", ")})`;
}

function walk(node, visit) {
  if (!node || typeof node.type !== "string") return;
  visit(node);
  for (const key of Object.keys(node)) {
    if (key === "parent") continue;
    const child = node[key];
    if (Array.isArray(child)) for (const c of child) walk(c, visit);
    else if (child && typeof child === "object") walk(child, visit);
  }
}

/** Formats problems as build errors: `file:line:col: <handler>: <message>`. */
export function formatProblems(file, problems) {
  return problems.map((p) => `${file}:${p.line}:${p.column}: ${p.handler}: ${p.message}`).join("\n");
}
