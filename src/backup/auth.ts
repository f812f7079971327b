// Who may read /api/ops/backup-status: superusers, or a monitor presenting PB_OPS_TOKEN.

import { constantTimeEqual } from "../crypto/constant-time";

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), else null. */
export function bearerToken(header: string): string | null {
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/** How a caller of the ops endpoints was let in (the `access` field of their bodies). */
export type OpsCaller = "superuser" | "token";

export function mayReadBackupStatus(input: { isSuperuser: boolean; authorization: string; opsToken: string | null }): OpsCaller | null {
  if (input.isSuperuser) return "superuser";
  if (!input.opsToken) return null;
  const presented = bearerToken(input.authorization);
  return presented !== null && constantTimeEqual(presented, input.opsToken) ? "token" : null;
}
