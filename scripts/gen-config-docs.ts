// npm run docs: writes docs/config.md from the schema.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderConfigReference } from "../src/config/docs";
import { schema } from "../src/config/schema";
import { ROOT } from "../toolkit/paths";

writeFileSync(join(ROOT, "docs", "config.md"), renderConfigReference(schema));
console.log("wrote docs/config.md");
