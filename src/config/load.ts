import { InvalidValue, type VarSpec } from "./vars";

/** Environment as a plain map; the adapter fills it from the JSVM, tests from literals. */
export type Env = Readonly<Record<string, string | undefined>>;

type Section = Readonly<Record<string, VarSpec<unknown>>>;
export type Schema = Readonly<Record<string, Section>>;

export type ConfigOf<S extends Schema> = {
  readonly [K in keyof S]: SectionOf<S[K]>;
};

/** The parsed values of one section: what a concern's pure code takes as its settings. */
export type SectionOf<S extends Section> = { readonly [V in keyof S]: S[V] extends VarSpec<infer T> ? T : never };

/** A bad PB_* value. `message` is the single line printed at boot. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly accepted: string,
    readonly reason: string,
  ) {
    super(`pb-ops: invalid ${variable}=${JSON.stringify(value)}: ${reason}; expected ${accepted}`);
    this.name = "ConfigError";
  }
}

/** Names PocketBase itself reads: never flagged as unknown pb-ops variables. */
export const POCKETBASE_OWN: readonly string[] = [
  "PB_THUMBS_MAX_WORKERS",
  "PB_THUMBS_MAX_WAIT",
  "PB_FILES_DELETE_MAX_WORKERS",
  "PB_ID_TOKEN_LEEWAY",
];
const pocketbaseOwn = new Set(POCKETBASE_OWN);

export function allVars(schema: Schema): VarSpec<unknown>[] {
  return Object.values(schema).flatMap((section) => Object.values(section));
}

/**
 * Reads every variable of the schema from `env`, validates it and returns a deeply frozen config.
 * Unset means default. Set-but-empty is an error: a blank security setting must not quietly become
 * the default. An unknown PB_* name close to a known one is reported as a likely typo for the same
 * reason (a misspelt PB_ADMIN_PATH would otherwise leave the admin UI open).
 */
export function buildConfig<S extends Schema>(schema: S, env: Env): ConfigOf<S> {
  const known = new Set(allVars(schema).map((v) => v.name));
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith("PB_") || known.has(name) || pocketbaseOwn.has(name)) continue;
    const near = [...known].find((k) => editDistance(k, name) <= 2);
    // The value is never shown: a typo of PB_ADMIN_PATH or PB_OPS_SECRET holds a secret.
    if (near) throw new ConfigError(name, "[redacted]", `the variable name ${near}`, `unknown variable (did you mean ${near}?)`);
  }

  const out: Record<string, Record<string, unknown>> = {};
  for (const [sectionName, section] of Object.entries(schema)) {
    const values: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(section)) {
      const [name, raw] = rawValue(spec, env);
      values[key] = readVar(name === spec.name ? spec : { ...spec, name }, raw);
    }
    out[sectionName] = Object.freeze(values);
  }
  return Object.freeze(out) as ConfigOf<S>;
}

/**
 * The name and value a variable was set under: its own name, else its first alias that is set.
 * A spelling left at the default gives way to one that is not (.do/app.yaml lists
 * `PB_S3_BUCKET: "none"`; a user who adds the guide's S3_BUCKET means that one). Two spellings set
 * to different non-default values are an error naming both (values shown unless secret).
 */
export function rawValue(spec: VarSpec<unknown>, env: Env): [string, string | undefined] {
  let found: [string, string | undefined] = [spec.name, env[spec.name]];
  for (const alias of spec.aliases ?? []) {
    const v = env[alias];
    if (v === undefined || v === spec.default) continue;
    if (found[1] === undefined || found[1] === spec.default) found = [alias, v];
    else if (v !== found[1]) {
      const shown = (x: string) => (spec.secret ? "[redacted]" : x);
      throw new ConfigError(
        alias,
        shown(v),
        `the same value as ${found[0]}, or only one of the two`,
        `differs from ${found[0]}=${JSON.stringify(shown(found[1]))} (${alias} is an alias of ${spec.name})`,
      );
    }
  }
  return found;
}

function readVar<T>(spec: VarSpec<T>, raw: string | undefined): T {
  const shown = (v: string) => (spec.secret ? "[redacted]" : v);
  if (raw === undefined) return spec.parse(spec.default);
  if (raw.trim() === "") {
    throw new ConfigError(spec.name, raw, spec.accepted, `set but empty (unset it to use the default ${JSON.stringify(spec.default)})`);
  }
  try {
    return spec.parse(raw);
  } catch (err) {
    const reason = err instanceof InvalidValue ? err.message : String((err as Error)?.message ?? err);
    throw new ConfigError(spec.name, shown(raw), spec.accepted, reason);
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
