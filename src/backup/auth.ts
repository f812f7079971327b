// Who may read /api/ops/backup-status: superusers, or a monitor presenting PB_OPS_TOKEN.

/** Compares in time that depends only on the lengths, not on where the strings differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i % (a.length || 1)) || 0) ^ (b.charCodeAt(i % (b.length || 1)) || 0);
  return diff === 0;
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), else null. */
export function bearerToken(header: string): string | null {
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

export function mayReadBackupStatus(input: { isSuperuser: boolean; authorization: string; opsToken: string | null }): "superuser" | "token" | null {
  if (input.isSuperuser) return "superuser";
  if (!input.opsToken) return null;
  const presented = bearerToken(input.authorization);
  return presented !== null && constantTimeEqual(presented, input.opsToken) ? "token" : null;
}
