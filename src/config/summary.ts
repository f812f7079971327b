// What the boot line shows of the config: every variable's effective raw value, secrets redacted,
// and whether it was set or defaulted. Pure, so the redaction is unit-tested.
import { allVars, rawValue, type Env, type Schema } from "./load";

export function configSummary(schema: Schema, env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of allVars(schema)) {
    // An alias that was set shows under the schema name (boot already refused conflicting ones).
    const raw = rawValue(v, env)[1];
    // Defaults are public constants (`off`, `none`, ...); only a value someone set can be a secret.
    if (raw === undefined) out[v.name] = `${v.default} (default)`;
    else out[v.name] = v.secret ? "[redacted]" : raw;
  }
  return out;
}
