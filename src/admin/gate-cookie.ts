// The gate cookie: `v1.<expiry unix seconds>.<hex HMAC-SHA256>`. The MAC covers the version, the
// expiry and the admin path, keyed by the server secret, so a cookie is worthless after the
// secret or the path changes (rotation), after it expires, or when any character is altered.
// Pure: the HMAC function is passed in (`$security.hs256` in PocketBase, node:crypto in tests).
import { constantTimeEqual } from "../crypto/constant-time";

const GATE_COOKIE = "pbops_gate";
const VERSION = "v1";
/** Clock skew tolerated between the server that signed a cookie and the one reading it. */
const SKEW_S = 60;

export type Hmac = (text: string, key: string) => string;

export interface GateKey {
  readonly secret: string;
  readonly adminPath: string;
}

function macText(key: GateKey, expS: number): string {
  return `pbops-gate|${VERSION}|${expS}|${key.adminPath}`;
}

export function signGate(key: GateKey, expS: number, hmac: Hmac): string {
  return `${VERSION}.${expS}.${hmac(macText(key, expS), key.secret)}`;
}

export type GateCheck = "valid" | "missing" | "malformed" | "expired" | "bad-signature";

// Made on first use: a top-level regex literal is a RegExp in every new VM (this module is in hot.js).
let shape: RegExp | undefined;

/**
 * Verifies one cookie value. An expiry further ahead than the configured lifetime is refused too,
 * so shortening PB_ADMIN_GATE_TTL takes effect for cookies already handed out.
 */
export function verifyGate(value: string | undefined, key: GateKey, nowS: number, ttlS: number, hmac: Hmac): GateCheck {
  if (value === undefined || value === "") return "missing";
  const m = (shape ??= /^v1\.(\d{1,12})\.([0-9a-f]{64})$/).exec(value);
  if (!m) return "malformed";
  const expS = Number(m[1]);
  const expected = hmac(macText(key, expS), key.secret);
  // The MAC is checked before the expiry so the answer does not depend on guessable parts alone.
  if (!constantTimeEqual(m[2]!, expected)) return "bad-signature";
  if (expS <= nowS || expS > nowS + ttlS + SKEW_S) return "expired";
  return "valid";
}

/** All values of the named cookie in one or more Cookie header values (duplicates are kept). */
export function cookieValues(headerValues: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (const h of headerValues) {
    for (const part of h.split(";")) {
      const eq = part.indexOf("=");
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() !== name) continue;
      let v = part.slice(eq + 1).trim();
      if (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"') v = v.slice(1, -1);
      out.push(v);
    }
  }
  return out;
}

/** The best verdict over all copies of the cookie (a planted bad copy cannot hide a good one). */
export function checkGateCookies(headerValues: readonly string[], key: GateKey, nowS: number, ttlS: number, hmac: Hmac): GateCheck {
  const values = cookieValues(headerValues, GATE_COOKIE).slice(0, 8);
  if (values.length === 0) return "missing";
  const rank: GateCheck[] = ["valid", "expired", "bad-signature", "malformed", "missing"];
  let best: GateCheck = "missing";
  for (const v of values) {
    const r = verifyGate(v, key, nowS, ttlS, hmac);
    if (rank.indexOf(r) < rank.indexOf(best)) best = r;
  }
  return best;
}

/** The Set-Cookie value that opens the gate: HttpOnly, SameSite=Strict, Path=/, Secure when asked. */
export function gateSetCookie(value: string, ttlS: number, secure: boolean): string {
  return `${GATE_COOKIE}=${value}; Path=/; Max-Age=${ttlS}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}
