// Values that must never reach a log line. Built-in names are always redacted; PB_LOG_REDACT adds
// more. Matching is by name (case-insensitive), and a name matches when it contains one of the
// sensitive words, so `x-auth-token`, `refresh_token` and `apiSecret` are all caught.
export const REDACTED = "[redacted]";

const BUILTIN_WORDS = ["authorization", "cookie", "token", "password", "passwd", "secret", "apikey", "api_key", "api-key", "signature", "session", "otp", "accesskey", "access_key", "access-key", "private", "credential"];

export interface Redactor {
  isSensitive(name: string): boolean;
  /** Path with the query's sensitive values replaced; the rest of the query is kept. */
  path(rawPathWithQuery: string): string;
  /** Header map (lower-cased names) with sensitive values replaced. */
  fields<T extends Record<string, unknown>>(obj: T): T;
}

export function makeRedactor(extra: readonly string[]): Redactor {
  const words = [...BUILTIN_WORDS, ...extra.map((s) => s.toLowerCase())];
  const cache = new Map<string, boolean>();
  const isSensitive = (name: string): boolean => {
    const n = name.toLowerCase();
    let hit = cache.get(n);
    if (hit === undefined) {
      hit = words.some((w) => n.includes(w));
      if (cache.size < 1000) cache.set(n, hit);
    }
    return hit;
  };
  return {
    isSensitive,
    path(raw) {
      const q = raw.indexOf("?");
      if (q < 0) return raw;
      const parts = raw
        .slice(q + 1)
        .split("&")
        .map((pair) => {
          const eq = pair.indexOf("=");
          const name = eq < 0 ? pair : pair.slice(0, eq);
          let decoded = name;
          try {
            decoded = decodeURIComponent(name.replace(/\+/g, " "));
          } catch {
            // keep the raw name
          }
          return eq >= 0 && isSensitive(decoded) ? `${name}=${REDACTED}` : pair;
        });
      return `${raw.slice(0, q)}?${parts.join("&")}`;
    },
    fields(obj) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(obj)) out[k] = isSensitive(k) ? REDACTED : obj[k];
      return out as typeof obj;
    },
  };
}
