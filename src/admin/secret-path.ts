// Validation of PB_ADMIN_PATH. The path is a shared secret that only keeps scanners out if it
// cannot be guessed, so a weak value stops boot instead of giving a false sense of safety.
import { InvalidValue } from "../config/vars";
import { classifyPath, foldCase } from "./paths";

const MIN_PATH_CHARS = 16;
const MIN_RANDOM_CHARS = 12;
const MIN_DISTINCT_CHARS = 6;

/** Words scanners and people try first; removing them shows how much of the path is random. */
const GUESSABLE_WORDS = [
  "pocketbase",
  "superusers",
  "superuser",
  "administrator",
  "administration",
  "admin",
  "dashboard",
  "backend",
  "backoffice",
  "console",
  "control",
  "manage",
  "manager",
  "management",
  "panel",
  "portal",
  "login",
  "signin",
  "secret",
  "hidden",
  "private",
  "secure",
  "root",
  "system",
  "config",
  "settings",
  "staff",
  "internal",
  "ops",
  "cpanel",
  "wpadmin",
  "webadmin",
  "phpmyadmin",
  "pb",
  "ui",
  "api",
  "my",
  "password",
  "qwerty",
  "letmein",
  "welcome",
  "test",
  "demo",
  "default",
  "changeme",
];

/** Routes the admin path must not shadow or hide behind: PocketBase's own and pb-ops's. */
const RESERVED_FIRST_SEGMENTS = ["api", "_"];

const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * Parses PB_ADMIN_PATH: `/` followed by one or more segments of URL-unreserved characters, at
 * least 16 characters, at least 12 of them left after removing guessable words and separators,
 * at least 6 distinct, no run like `abcdef`/`123456` making up most of it, and not under `/api/`
 * or `/_/`. Returns the path exactly as given (the comparison is exact and case-sensitive).
 */
export function parseAdminPath(raw: string): string {
  const p = raw.trim();
  if (p !== raw) throw new InvalidValue("surrounding whitespace");
  if (!p.startsWith("/")) throw new InvalidValue("must start with /");
  if (p.endsWith("/")) throw new InvalidValue("must not end with /");
  const segs = p.slice(1).split("/");
  for (const s of segs) {
    if (s === "") throw new InvalidValue("empty segment (//)");
    if (s === "." || s === "..") throw new InvalidValue("dot segment");
    if (!SEGMENT.test(s)) throw new InvalidValue("only letters, digits and . _ ~ - are allowed in a segment");
  }
  const first = foldCase(segs[0]!);
  if (RESERVED_FIRST_SEGMENTS.includes(first) || classifyPath(p) !== null) {
    throw new InvalidValue(`collides with PocketBase's routes (/${first}/ is taken)`);
  }
  if (first === "pb_ops" || foldCase(p).startsWith("/api")) throw new InvalidValue("collides with /api/ or pb-ops routes");
  const body = p.slice(1);
  if (body.length < MIN_PATH_CHARS)
    throw new InvalidValue(`too short: ${body.length} characters after the /, need at least ${MIN_PATH_CHARS}`);

  let rest = foldCase(body).replace(/[^a-z0-9]/g, "");
  for (const w of [...GUESSABLE_WORDS].sort((a, b) => b.length - a.length)) rest = rest.split(w).join("");
  if (rest.length < MIN_RANDOM_CHARS) {
    throw new InvalidValue(
      `guessable: only ${rest.length} characters remain after removing common words and separators, need ${MIN_RANDOM_CHARS}`,
    );
  }
  if (new Set(rest).size < MIN_DISTINCT_CHARS)
    throw new InvalidValue(`too repetitive: fewer than ${MIN_DISTINCT_CHARS} distinct characters`);
  if (longestRun(rest) * 2 > rest.length) throw new InvalidValue("guessable: mostly a sequence like abcdef or 123456");
  return p;
}

/** Longest run of consecutive ascending or descending character codes (or repeats). */
function longestRun(s: string): number {
  let best = 1;
  let run = 1;
  let step = 0;
  for (let i = 1; i < s.length; i++) {
    const d = s.charCodeAt(i) - s.charCodeAt(i - 1);
    if (Math.abs(d) <= 1 && (run === 1 || d === step)) {
      run++;
      step = d;
    } else {
      run = Math.abs(d) <= 1 ? 2 : 1;
      step = d;
    }
    best = Math.max(best, run);
  }
  return best;
}
