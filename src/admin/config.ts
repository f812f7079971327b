import { defineVar, durationIn, keywordOr, listOf } from "../config/vars";
import { parseCidr } from "../net/ip";
import { parseAdminPath } from "./secret-path";
import { MIN_SECRET_CHARS, parseServerSecret } from "./server-secret";

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
    meaning:
      "Only these client addresses (as PocketBase resolves them through its trusted-proxy settings) reach the admin surface; others get the unknown-path answer, and superuser-token requests from them get 403.",
    parse: keywordOr("any", listOf(parseCidr, "IPv4/IPv6 addresses and CIDR ranges")),
  }),
  gateTtlMs: defineVar({
    name: "PB_ADMIN_GATE_TTL",
    default: "12h",
    example: "8h",
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
