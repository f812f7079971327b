import { defineVar, durationIn, InvalidValue, listOf } from "../config/vars";
import { parseCidr, type Cidr } from "./cidr";
import { parseAdminPath } from "./secret-path";

export const MIN_SECRET_CHARS = 32;

function parseServerSecret(raw: string): string {
  if (raw.length < MIN_SECRET_CHARS) throw new InvalidValue(`too short: ${raw.length} characters, need at least ${MIN_SECRET_CHARS}`);
  if (new Set(raw).size < 8) throw new InvalidValue("too repetitive: fewer than 8 distinct characters");
  return raw;
}

/**
 * Off by default, through an explicit keyword rather than an empty value: a deployment spec can list
 * the variable with its default (an empty value is a boot error, see src/config/load.ts).
 */
const keywordOr =
  <T>(keyword: string, parse: (raw: string) => T) =>
  (raw: string): T | null =>
    raw.trim().toLowerCase() === keyword ? null : parse(raw);

export const adminVars = {
  path: defineVar({
    name: "PB_ADMIN_PATH",
    default: "off",
    example: "/k7Qm2vX9pL4wR8tZ3nB6",
    accepted: "`off` or a path like /<16+ random characters> (letters, digits, . _ ~ -), not guessable, not under /api/ or /_/",
    meaning:
      "Hides the admin UI (`/_/`) and every endpoint of the superusers collection: without the gate cookie they answer exactly like an unknown resource of the same shape. A GET to this path sets the gate cookie and redirects to `/_/`. Also skips PocketBase's installer link (make the first superuser with `pocketbase superuser upsert`). See docs/admin.md.",
    secret: true,
    parse: keywordOr("off", parseAdminPath),
  }),
  allowIps: defineVar({
    name: "PB_ADMIN_ALLOW_IPS",
    default: "any",
    example: "203.0.113.7,10.0.0.0/8,2001:db8::/32",
    accepted: "`any` or a comma-separated list of IPv4/IPv6 addresses and CIDR ranges",
    meaning:
      "Only these client addresses (as PocketBase resolves them through its trusted-proxy settings) reach the admin surface; others get the unknown-path answer, and superuser-token requests from them get 403.",
    parse: keywordOr("any", (raw) => listOf(parseCidr)(raw) as readonly Cidr[]),
  }),
  gateTtlMs: defineVar({
    name: "PB_ADMIN_GATE_TTL",
    default: "12h",
    example: "8h",
    accepted: "a duration from 5m to 30d (500ms, 10s, 5m, 1h, 1d)",
    meaning: "How long the gate cookie set by PB_ADMIN_PATH stays valid.",
    parse: durationIn(5 * 60_000, 30 * 86_400_000),
  }),
  secret: defineVar({
    name: "PB_OPS_SECRET",
    default: "generate",
    example: "(output of: openssl rand -base64 48)",
    accepted: `\`generate\` (once, into pb_data/.pb_ops_secret) or at least ${MIN_SECRET_CHARS} characters`,
    meaning: "Server secret that signs the gate cookie. Changing it (or deleting the generated file) signs everyone out of the gate.",
    secret: true,
    parse: keywordOr("generate", parseServerSecret),
  }),
};
