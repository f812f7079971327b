// The isolation check's allowlist (tools/jsvm-globals.mjs) matches what real PocketBase binds into
// a handler VM: every allowed name exists there, and top-level-only names do not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ES_GLOBALS, POCKETBASE_GLOBALS, POCKETBASE_NEWER_GLOBALS, TOP_LEVEL_ONLY } from "../../tools/jsvm-globals.mjs";
import { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";

// \`arguments\` is function-scoped, not a property of the global object.
const ALWAYS = [...POCKETBASE_GLOBALS, ...ES_GLOBALS.filter((n) => n !== "arguments")];
const names = [...ALWAYS, ...POCKETBASE_NEWER_GLOBALS, ...TOP_LEVEL_ONLY];
const PROBE = `routerAdd("GET", "/test/globals", (e) => {
  const names = ${JSON.stringify(names)};
  const out = {};
  for (const n of names) out[n] = n in globalThis;
  return e.json(200, out);
});
`;

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase;
  beforeAll(async () => {
    pb = await startPocketBase({ version, superuser: false, extraHooks: { "zz_globals.pb.js": PROBE } });
  });
  afterAll(async () => pb?.stop());

  it("every allowed global exists inside a handler and no top-level-only name does", async () => {
    const seen = (await (await fetch(`${pb.url}/test/globals`)).json()) as Record<string, boolean>;
    expect(ALWAYS.filter((n) => !seen[n])).toEqual([]);
    expect(TOP_LEVEL_ONLY.filter((n) => seen[n])).toEqual([]);
  });

  if (version === POCKETBASE_VERSIONS[0]) {
    it("the newest version also has every name allowed as newer", async () => {
      const seen = (await (await fetch(`${pb.url}/test/globals`)).json()) as Record<string, boolean>;
      expect(POCKETBASE_NEWER_GLOBALS.filter((n) => !seen[n])).toEqual([]);
    });
  }
});
