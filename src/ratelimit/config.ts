// PB_RATE_LIMIT* variables. Each parses once at load into precomputed values; plan.ts combines them
// into the rule table the adapter uses.
import { defineVar, intIn, InvalidValue, isKeyword, keywordOr, listOf, onOff, oneOf } from "../config/vars";
import { parseCidr, type Cidr } from "../net/ip";
import { parseRateWords, parseRules, policyHeaderOf, type Rule } from "./rules";

/** The default rule for every /api/ request, or undefined when off. */
function parseDefaultRule(raw: string): Rule | undefined {
  const text = raw.trim();
  if (isKeyword(text, "off")) return undefined;
  const spec = parseRateWords(text.split(/\s+/), false);
  if (spec.name !== undefined) throw new InvalidValue("name= is not accepted here (this rule is named default)");
  const { name: _n, ...rate } = spec;
  return Object.freeze({
    ...rate,
    name: "default",
    method: undefined,
    paths: [["api"]],
    audience: "any" as const,
    policyHeader: policyHeaderOf("default", spec.count, spec.windowS),
    text: `/api/ ${text}`,
  });
}

export const rateLimitVars = {
  rate: defineVar({
    name: "PB_RATE_LIMIT",
    default: "off",
    example: "300/60s",
    accepted: "`off` or COUNT/WINDOW with optional burst=N, cost=N (e.g. 100/60s, 300/1m burst=50)",
    meaning:
      "Default token bucket for every `/api/` request, per client address: `100/60s` = a bucket of 100 refilled at 100 per 60 s. `off` turns the default rule off; the limiter runs when this or PB_RATE_LIMIT_RULES is set. See docs/ratelimit.md.",
    parse: parseDefaultRule,
  }),
  rules: defineVar({
    name: "PB_RATE_LIMIT_RULES",
    default: "none",
    example: "POST /api/collections/posts/records @auth 10/60s key=auth; /api/files 600/60s burst=100",
    accepted:
      "`none` or rules `[METHOD] PATH[|PATH] [@guest|@auth] COUNT/WINDOW [burst=N] [cost=N] [key=ip|auth] [name=NAME]` separated by ;",
    meaning:
      "Per-route token buckets, checked in order before the built-in auth rules and the default rule; the first match decides. `*` matches one path segment.",
    parse: (raw: string) => parseRules(raw),
  }),
  auth: defineVar({
    name: "PB_RATE_LIMIT_AUTH",
    default: "on",
    example: "off",
    meaning:
      "Built-in stricter buckets (per client address) for superuser and user auth endpoints: password/OTP/OAuth2 sign-in, OTP and password-reset, verification and email-change requests. Active whenever the limiter runs.",
    parse: onOff,
  }),
  exempt: defineVar({
    name: "PB_RATE_LIMIT_EXEMPT",
    default: "none",
    example: "10.0.0.0/8,2001:db8::/32,203.0.113.7",
    meaning: "Client addresses (as PocketBase's realIP sees them) that are never limited, e.g. your own monitoring.",
    parse: keywordOr("none", listOf(parseCidr, "IPv4/IPv6 addresses and CIDR ranges"), Object.freeze([] as Cidr[]) as readonly Cidr[]),
  }),
  superusers: defineVar({
    name: "PB_RATE_LIMIT_SUPERUSERS",
    default: "exempt",
    example: "limit",
    meaning:
      "Whether requests authenticated as a superuser skip the limiter (`exempt`, PocketBase's own choice) or are limited like everyone else.",
    parse: oneOf(["exempt", "limit"] as const),
  }),
  maxKeys: defineVar({
    name: "PB_RATE_LIMIT_MAX_KEYS",
    default: "100000",
    example: "500000",
    meaning:
      "Most buckets kept in memory (shared by all VMs). At the cap, full buckets (identical to fresh ones) go first, then those that would be full soonest, so clients being limited stay limited. Measured: about 300 bytes of RSS per bucket (30 MB at the default cap).",
    parse: intIn(1000, 10_000_000),
  }),
  ipv6Prefix: defineVar({
    name: "PB_RATE_LIMIT_IPV6_PREFIX",
    default: "64",
    example: "56",
    meaning: "IPv6 clients share one bucket per prefix of this length (one subscriber usually holds a whole /64).",
    parse: intIn(32, 128),
  }),
};
