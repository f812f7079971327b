// PB_* variables for the first superuser, created or updated at serve time from SECRET env
// variables (src/adapter/superuser.ts), so a fresh deploy needs no `superuser upsert` in a console
// and no installer link. The password is checked for strength here and never printed.
import { ConfigError, type SectionOf } from "../config/load";
import { defineVar, InvalidValue, isKeyword, keywordOr, parser } from "../config/vars";
import { utf8 } from "../backup/sha256";

const parseSuperuserEmail = keywordOr(
  "none",
  parser("an email address", (raw) => {
    const v = raw.trim();
    if (!/^[^\s@"<>(),;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(v) || v.length > 254) throw new InvalidValue("not an email address");
    return v;
  }),
);

/** Reasons never quote the password (the loader redacts the value; the reason must not leak it either). */
export function parseSuperuserPassword(raw: string): string | null {
  if (isKeyword(raw, "none")) return null;
  const bytes = utf8(raw).length;
  if ([...raw].length < PASSWORD_MIN_LENGTH)
    throw new InvalidValue(`too short (${[...raw].length} characters, need at least ${PASSWORD_MIN_LENGTH})`);
  if (bytes > PASSWORD_MAX_BYTES) throw new InvalidValue(`too long (${bytes} bytes, PocketBase takes at most ${PASSWORD_MAX_BYTES})`);
  if (/^\s|\s$/.test(raw)) throw new InvalidValue("starts or ends with whitespace (a pasted line break?)");
  if (new Set(raw).size < PASSWORD_MIN_DISTINCT)
    throw new InvalidValue(`too repetitive (fewer than ${PASSWORD_MIN_DISTINCT} distinct characters)`);
  return raw;
}

// Used by parseSuperuserPassword (hoisted above) and by the accepted text below.
const PASSWORD_MIN_LENGTH = 12;
/** PocketBase's password field (bcrypt) takes at most 71 bytes. */
const PASSWORD_MAX_BYTES = 71;
const PASSWORD_MIN_DISTINCT = 6;

export const superuserVars = {
  email: defineVar({
    name: "PB_SUPERUSER_EMAIL",
    default: "none",
    example: "ops@example.com",
    meaning:
      "With PB_SUPERUSER_PASSWORD: a superuser with this email is created at start, or its password updated when it differs. `none`: superusers are left alone.",
    parse: parseSuperuserEmail,
  }),
  password: defineVar({
    name: "PB_SUPERUSER_PASSWORD",
    default: "none",
    example: "a-long-random-passphrase",
    accepted: `\`none\` or ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_BYTES} bytes with at least ${PASSWORD_MIN_DISTINCT} distinct characters, no leading or trailing space (e.g. \`openssl rand -base64 24\`)`,
    meaning:
      "Password of PB_SUPERUSER_EMAIL's superuser. Keep it a SECRET variable. Changing it changes the password at the next start; nothing is written while it already matches.",
    secret: true,
    parse: parseSuperuserPassword,
  }),
};

export type SuperuserConfig = SectionOf<typeof superuserVars>;

/** Both or neither: one alone is a boot error naming the one that is missing. */
export function superuserFromConfig(c: SuperuserConfig): { email: string; password: string } | null {
  if (c.email === null && c.password === null) return null;
  if (c.email === null)
    throw new ConfigError(
      "PB_SUPERUSER_EMAIL",
      "none",
      "an email address when PB_SUPERUSER_PASSWORD is set",
      "unset while PB_SUPERUSER_PASSWORD is set",
    );
  if (c.password === null)
    throw new ConfigError(
      "PB_SUPERUSER_PASSWORD",
      "none",
      "a password when PB_SUPERUSER_EMAIL is set",
      "unset while PB_SUPERUSER_EMAIL is set",
    );
  return { email: c.email, password: c.password };
}
