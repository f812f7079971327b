// PB_OPS_SECRET, the server secret that signs the gate cookie (src/admin/gate-cookie.ts): long and
// not repetitive, or `generate` (handled by the variable's keyword).
import { InvalidValue } from "../config/vars";

export const MIN_SECRET_CHARS = 32;

export function parseServerSecret(raw: string): string {
  if (raw.length < MIN_SECRET_CHARS) throw new InvalidValue(`too short: ${raw.length} characters, need at least ${MIN_SECRET_CHARS}`);
  if (new Set(raw).size < 8) throw new InvalidValue("too repetitive: fewer than 8 distinct characters");
  return raw;
}
