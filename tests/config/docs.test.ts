import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { renderConfigReference } from "../../src/config/docs";
import { allVars } from "../../src/config/load";
import { schema } from "../../src/config/schema";
import { ROOT } from "../../toolkit/paths";

it("docs/config.md is exactly what the schema generates (run `npm run docs` after changing a variable)", () => {
  const committed = readFileSync(join(ROOT, "docs", "config.md"), "utf8");
  expect(committed).toBe(renderConfigReference(schema));
});

it("every variable appears in docs/config.md with its default and example", () => {
  const doc = readFileSync(join(ROOT, "docs", "config.md"), "utf8");
  for (const v of allVars(schema)) {
    expect(doc).toContain(`| \`${v.name}\` | \`${v.default}\` | \`${v.example}\` |`);
  }
});
