// The limiter as configured: the ordered rule table and the exemptions, built once per VM from the
// parsed PB_RATE_LIMIT* values. Pure.
import type { SectionOf } from "../config/load";
import { type Cidr, inAnyCidr, isV4, maskTo, parseIp } from "../net/ip";
import type { rateLimitVars } from "./config";
import { parseRules, type Rule } from "./rules";

/**
 * Built-in auth rules, in the same grammar users write (docs/ratelimit.md shows them). Superuser
 * sign-in comes first because `*` would match `_superusers` too. Each rule is one bucket per client
 * address across all its paths, so an attacker cannot spread guesses over endpoints.
 */
// Pure for the bundler: pb_ops/hot-lean.js (no rate limiter) then leaves this join out of every new VM.
export const BUILTIN_AUTH_RULES = /* @__PURE__ */ [
  "POST /api/collections/_superusers/auth-with-password|/api/collections/_superusers/auth-with-otp|/api/collections/_superusers/request-otp|/api/collections/_superusers/request-password-reset|/api/collections/_superusers/confirm-password-reset 5/60s name=superuser-auth",
  "POST /api/collections/*/auth-with-password|/api/collections/*/auth-with-otp|/api/collections/*/auth-with-oauth2 10/60s name=auth",
  "POST /api/collections/*/request-otp|/api/collections/*/request-password-reset|/api/collections/*/confirm-password-reset|/api/collections/*/request-verification|/api/collections/*/confirm-verification|/api/collections/*/request-email-change|/api/collections/*/confirm-email-change 5/60s name=auth-email",
].join(";");

// Parsed on first use, not when the module loads: module top-level code runs again in every new VM.
let builtinAuthRules: readonly Rule[] | undefined;

export type RateLimitSettings = SectionOf<typeof rateLimitVars>;

/** Store shards: each is one $app.store() entry; a sweep at the cap only walks one shard. */
export const SHARDS = 16;

export interface Plan {
  /** False when neither PB_RATE_LIMIT nor PB_RATE_LIMIT_RULES is set: no stage, no cost. */
  readonly enabled: boolean;
  readonly rules: readonly Rule[];
  readonly exempt: readonly Cidr[];
  readonly exemptSuperusers: boolean;
  readonly ipv6Prefix: number;
  readonly shardCap: number;
}

export function buildPlan(s: RateLimitSettings): Plan {
  const enabled = s.rate !== undefined || s.rules.length > 0;
  const rules = [
    ...s.rules,
    ...(s.auth === "on" ? (builtinAuthRules ??= parseRules(BUILTIN_AUTH_RULES, ["default"])) : []),
    ...(s.rate ? [s.rate] : []),
  ];
  return Object.freeze({
    enabled,
    rules: Object.freeze(rules),
    exempt: s.exempt,
    exemptSuperusers: s.superusers === "exempt",
    ipv6Prefix: s.ipv6Prefix,
    shardCap: Math.ceil(s.maxKeys / SHARDS),
  });
}

export function isExemptIp(plan: Plan, ip: string): boolean {
  return inAnyCidr(plan.exempt, ip);
}

/**
 * `^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$` by hand: this runs on a new VM's first rate-limited request,
 * and a regex there makes goja build RegExp in that VM (~15 us).
 */
export function isDottedQuad(ip: string): boolean {
  let groups = 1;
  let digits = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
    } else if (c === 46 && digits > 0 && groups < 4) {
      groups++;
      digits = 0;
    } else return false;
  }
  return groups === 4 && digits > 0;
}

/**
 * The client part of a bucket key: IPv4 as dotted quad; IPv6 masked to `v6PrefixBits` and written
 * as `hex:hex:...:/bits`, because one IPv6 subscriber usually holds a whole /64 and could otherwise
 * rotate through it for fresh buckets. An unparseable value (it should not happen: PocketBase gives
 * a parsed address) is used verbatim so it is still limited, never exempted.
 */
export function clientKeyOf(ip: string, v6PrefixBits: number): string {
  if (isDottedQuad(ip)) return ip;
  const b = parseIp(ip);
  if (!b) return ip;
  if (isV4(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const m = maskTo(b, v6PrefixBits);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((m[i]! << 8) | m[i + 1]!).toString(16));
  return `${groups.join(":")}/${v6PrefixBits}`;
}

/**
 * The bucket key: rule (or app limit) name and the client, as `name|client`. `key=auth` rules use
 * the auth record when there is one (`auth:<collectionId>:<id>`) and the address otherwise.
 */
export function bucketKey(ruleName: string, keyKind: "ip" | "auth", ip: string, authRef: string | undefined, ipv6Prefix: number): string {
  if (keyKind === "auth" && authRef !== undefined) return `${ruleName}|auth:${authRef}`;
  return `${ruleName}|${clientKeyOf(ip, ipv6Prefix)}`;
}

/**
 * The per-VM memo key of an address bucket key (bucketKey without an auth record): what that key is
 * made of, the rule name and the address as PocketBase gave it. Rule names have no space, so no two
 * pairs share a memo key. The IPv6 prefix is left out: there is one plan per process.
 */
export function addressKeyMemoKey(ruleName: string, ip: string): string {
  return ruleName + " " + ip;
}

/**
 * A multiplicative string hash (h * 31 + c) over the key: stable across VMs, spreads keys over the
 * shards. Not FNV: Math.imul is a function call per character in goja, and measured there FNV cost
 * about 24 us per key against a few for this.
 */
export function shardOf(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return (h >>> 0) % SHARDS;
}
