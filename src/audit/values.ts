// Small readers for the audit's inputs: Litestream's retention (a Go duration, from the kit's
// LITESTREAM_RETENTION or a litestream.yml) and PocketBase's `serve --origins` from its argv.

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration forms: `168h`, `72h0m0s`, `1h30m`, `90s`. Null when not one. */
export function parseGoDuration(raw: string): number | null {
  const v = raw.trim();
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v)) return null;
  let ms = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * GO_UNITS[m[2]!]!;
  return ms;
}

/** Litestream v0.5's default snapshot retention when nothing sets one. */
const LITESTREAM_DEFAULT_RETENTION_MS = 24 * 3_600_000;

/**
 * Where the retention comes from, in the order Litestream would use: the litestream.yml's
 * `retention:` (with ${VAR} expanded from env), else the kit's LITESTREAM_RETENTION, else
 * Litestream's default.
 */
export function retentionFrom(input: { yaml: string | null; yamlPath: string | null; env: Readonly<Record<string, string | undefined>> }): {
  ms: number | null;
  source: string;
} {
  if (input.yaml !== null) {
    const m = /^\s*retention:\s*["']?([^"'\s#]+)["']?/m.exec(input.yaml);
    if (m) {
      const raw = m[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => input.env[a ?? b] ?? "");
      return { ms: parseGoDuration(raw), source: `retention: ${raw || "(empty)"} in ${input.yamlPath}` };
    }
  }
  const env = input.env.LITESTREAM_RETENTION;
  if (env !== undefined && env.trim() !== "") return { ms: parseGoDuration(env), source: `LITESTREAM_RETENTION=${env}` };
  return { ms: LITESTREAM_DEFAULT_RETENTION_MS, source: "Litestream's default" };
}

/** `serve --origins a,b` (or `--origins=a,b`) from PocketBase's argv; PocketBase's default is `*`. */
export function originsFromArgs(args: readonly string[]): string[] {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = a === "--origins" ? args[i + 1] : a.startsWith("--origins=") ? a.slice("--origins=".length) : undefined;
    if (v !== undefined)
      return v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
  }
  return ["*"];
}

/** Rule strings as JSON gives them: the JSVM hands *string fields over as wrapped pointers. */
export function ruleText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const j = JSON.parse(JSON.stringify(v)) as unknown;
  return typeof j === "string" ? j : null;
}
