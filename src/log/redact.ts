// Values that must never reach a log line. Built-in names are always redacted; PB_LOG_REDACT adds
// more. Matching is by name (case-insensitive), and a name matches when it contains one of the
// sensitive words, so `x-auth-token`, `refresh_token` and `apiSecret` are all caught.
import { memoGet, memoSet, newMemo } from "../memo/second-use";

export const REDACTED = "[redacted]";

const BUILTIN_WORDS = [
  "authorization",
  "cookie",
  "token",
  "password",
  "passwd",
  "secret",
  "apikey",
  "api_key",
  "api-key",
  "signature",
  "session",
  "otp",
  "accesskey",
  "access_key",
  "access-key",
  "private",
  "credential",
];

/**
 * Query names redacted when they are exactly these (not as substrings: `encode`, `estate` are
 * harmless): OAuth2's authorization `code` and `state` (`/api/oauth2-redirect?code=...&state=...`),
 * which would let whoever reads the log finish someone else's sign-in.
 */
function exactName(n: string): boolean {
  // Compared, not a Set: this module is in every new VM, and a Set's first use in a VM costs ~30 us.
  return n === "code" || n === "state";
}

/** Per-VM memo of redacted queries: at most this many, each at most this long. */
const QUERY_MEMO_MAX = 512;
const QUERY_MEMO_KEY_MAX = 512;

export interface Redactor {
  isSensitive(name: string): boolean;
  /** Path with the query's sensitive values replaced; the rest of the query is kept. */
  path(rawPathWithQuery: string): string;
  /** A raw query (no `?`) with sensitive values replaced; the same string when nothing is. */
  query(rawQuery: string): string;
  /** Header map (lower-cased names) with sensitive values replaced. */
  fields<T extends Record<string, unknown>>(obj: T): T;
}

export function makeRedactor(extra: readonly string[]): Redactor {
  // concat, not spread: spread runs the iterator protocol, which goja builds in each new VM on first use.
  const words = BUILTIN_WORDS.concat(extra.map((s) => s.toLowerCase()));
  // Memos whose Maps are made on their second lookup (src/memo/second-use.ts): a throwaway VM's one
  // request would make them, and goja Map's prototype, for nothing.
  const cache = newMemo<boolean>(1000);
  const isSensitive = (name: string): boolean => {
    const n = name.toLowerCase();
    const hit = memoGet(cache, n);
    if (hit !== undefined) return hit;
    return memoSet(cache, n, exactName(n) || words.some((w) => n.includes(w)));
  };
  // Queries repeat from request to request (a list page asks the same `page=1&perPage=20&sort=...`):
  // the answer is remembered per VM, so a repeat costs a Map lookup instead of the split, the
  // decoding and the name checks (~15 us in goja). Bounded in count and key length.
  const memo = newMemo<string>(QUERY_MEMO_MAX);
  const query = (raw: string): string => {
    if (raw === "") return raw;
    const known = memoGet(memo, raw);
    if (known !== undefined) return known;
    const out = scrubQuery(raw);
    if (raw.length <= QUERY_MEMO_KEY_MAX) memoSet(memo, raw, out);
    return out;
  };
  const scrubQuery = (raw: string): string => {
    let changed = false;
    const parts = raw.split("&").map((pair) => {
      const eq = pair.indexOf("=");
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, " "));
      } catch {
        // keep the raw name
      }
      if (eq < 0 || !isSensitive(decoded)) return pair;
      changed = true;
      return `${name}=${REDACTED}`;
    });
    return changed ? parts.join("&") : raw;
  };
  return {
    isSensitive,
    query,
    path(raw) {
      const q = raw.indexOf("?");
      if (q < 0) return raw;
      return `${raw.slice(0, q)}?${query(raw.slice(q + 1))}`;
    },
    fields(obj) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(obj)) out[k] = isSensitive(k) ? REDACTED : obj[k];
      return out as typeof obj;
    },
  };
}
