// Renders the config reference (docs/config.md) from the schema, so docs and validation cannot
// drift: tests/config/docs.test.ts fails when the committed file differs from this output.
import { allVars, POCKETBASE_OWN, type Schema } from "./load";

const SECTION_TITLES: Record<string, string> = {
  log: "Logging",
  rateLimit: "Rate limiting",
  headers: "Security headers, CORS and cookies",
  admin: "Hidden admin path",
  backup: "Backup status",
  ops: "Operations endpoints",
  proxy: "Trusted proxy",
  storage: "File storage on S3",
  superuser: "First superuser",
};

export function renderConfigReference(schema: Schema): string {
  const own = POCKETBASE_OWN.map((n) => `\`${n}\``);
  const lines = [
    "# Configuration reference",
    "",
    "<!-- Generated from src/config/schema.ts by `npm run docs`; do not edit by hand. -->",
    "",
    "pb-ops is configured only through `PB_*` environment variables. Each is read once per VM and",
    "validated when PocketBase boots: a bad value stops PocketBase with one line that names the",
    "variable, the value and the accepted form. An unset variable takes its default; a variable set to",
    "an empty string is an error (unset it instead), and an unknown `PB_*` name within two letters of a",
    `known one is reported as a likely typo. PocketBase's own variables (${own[0]},`,
    `${own.slice(1).join(", ")}) are left to PocketBase.`,
    "",
  ];
  for (const [key, section] of Object.entries(schema)) {
    lines.push(`## ${SECTION_TITLES[key] ?? key}`, "", "| Variable | Default | Example | Accepted | Meaning |", "|---|---|---|---|---|");
    for (const v of Object.values(section)) {
      lines.push(`| \`${v.name}\` | \`${cell(v.default)}\` | \`${cell(v.example)}\` | ${cell(v.accepted)} | ${cell(v.meaning)} |`);
    }
    lines.push("");
  }
  lines.push(`${allVars(schema).length} variables in all.`, "");
  return lines.join("\n");
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
