// The access decision for one request, from plain facts the adapter gathers. Kept separate from
// the adapter so every combination is unit-tested.
import type { GateCheck } from "./gate-cookie";
import type { Surface } from "./paths";

export interface AdminFacts {
  /** Which admin surface the path is on, or null for everything else. */
  surface: Surface | null;
  /** PB_ADMIN_PATH is set. */
  gateOn: boolean;
  /** null when PB_ADMIN_ALLOW_IPS is unset; else whether the client's real IP is in it. */
  ipAllowed: boolean | null;
  /** The request carries a valid superuser token (e.hasSuperuserAuth()). */
  superuser: boolean;
  /** Verdict on the gate cookie (only consulted when needed). */
  gate: () => GateCheck;
}

export type AdminDecision =
  | { action: "pass" }
  /** Answer exactly like an unknown path. */
  | { action: "miss"; reason: string }
  /** Superuser token used from outside the allowlist: 403 like PocketBase's own superuser IP list. */
  | { action: "forbid"; reason: string };

export function decide(f: AdminFacts): AdminDecision {
  if (f.ipAllowed === false) {
    if (f.surface) return { action: "miss", reason: "ip-not-allowed" };
    if (f.superuser) return { action: "forbid", reason: "superuser-ip-not-allowed" };
    return { action: "pass" };
  }
  if (!f.surface || !f.gateOn || f.superuser) return { action: "pass" };
  const g = f.gate();
  return g === "valid" ? { action: "pass" } : { action: "miss", reason: `gate-${g}` };
}
