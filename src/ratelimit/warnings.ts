// Valid but dangerous rate-limit settings: they boot, and each one gets one WARN line at serve
// time (issue 15). Pure: takes the parsed settings, returns the messages.
import type { Cidr } from "../net/ip";
import type { RateLimitSettings } from "./plan";
import { BUILTIN_AUTH_RULES } from "./plan";
import { parseRules, type Rule } from "./rules";

/** Shorter prefixes than these exempt a large part of the internet: IPv4 /8, IPv6 /16. */
const MIN_V4_PREFIX = 8;
const MIN_V6_PREFIX = 16;

function isV4Text(c: Cidr): boolean {
  return c.text.indexOf(":") < 0;
}

/** An exemption that covers (nearly) every client makes the limiter a no-op for them. */
function broadExemptions(exempt: readonly Cidr[]): string[] {
  const out: string[] = [];
  for (const c of exempt) {
    const v4 = isV4Text(c);
    const prefix = v4 ? c.bits - 96 : c.bits;
    if (prefix < (v4 ? MIN_V4_PREFIX : MIN_V6_PREFIX)) {
      out.push(
        `PB_RATE_LIMIT_EXEMPT contains ${c.text}, which exempts ${prefix === 0 ? "every" : "a large share of all"} ${v4 ? "IPv4" : "IPv6"} client${prefix === 0 ? "" : "s"} from rate limiting`,
      );
    }
  }
  return out;
}

function pathCovers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== "*" && a[i] !== b[i]) return false;
  return true;
}

/** True when every request `later` could match is matched by `earlier` first (see firstMatch). */
export function shadows(earlier: Rule, later: Rule): boolean {
  // HEAD rules are tried before all others for HEAD requests: only another HEAD rule shadows one.
  if (later.method === "HEAD" ? earlier.method !== "HEAD" : earlier.method !== undefined && earlier.method !== later.method) return false;
  if (earlier.audience !== "any" && earlier.audience !== later.audience) return false;
  return later.paths.every((bp) => earlier.paths.some((ap) => pathCovers(ap, bp)));
}

/** Rules of PB_RATE_LIMIT_RULES that can never match because an earlier rule takes all their requests. */
function unreachableRules(rules: readonly Rule[]): string[] {
  const out: string[] = [];
  rules.forEach((r, i) => {
    const by = rules.slice(0, i).find((e) => shadows(e, r));
    if (by)
      out.push(
        `PB_RATE_LIMIT_RULES rule ${JSON.stringify(r.name)} (${r.text}) can never match: rule ${JSON.stringify(by.name)} (${by.text}) comes first and takes every request it would`,
      );
  });
  return out;
}

/** One message per dangerous setting, in a stable order. */
export function rateLimitWarnings(s: RateLimitSettings): string[] {
  const enabled = s.rate !== undefined || s.rules.length > 0;
  const out = [...broadExemptions(s.exempt), ...unreachableRules(s.rules)];
  // A user rule placed where it swallows the built-in superuser-auth bucket loosens it silently.
  if (enabled && s.auth === "on") {
    const su = parseRules(BUILTIN_AUTH_RULES, ["default"])[0]!;
    const by = s.rules.find((r) => shadows(r, su) && r.limit.burst > su.limit.burst);
    if (by)
      out.push(
        `PB_RATE_LIMIT_RULES rule ${JSON.stringify(by.name)} (${by.text}) takes every superuser sign-in request before the stricter built-in superuser-auth rule`,
      );
  }
  return out;
}
