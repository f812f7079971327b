// Access to the ops endpoints (backup-status, audit, restore drill, metrics, the ops page):
// superusers, or a monitor presenting PB_OPS_TOKEN. Their answers are never cached.
import { mayReadBackupStatus, type OpsCaller } from "../backup/auth";
import { getConfig } from "./config";

/** Who is asking (a superuser, or the PB_OPS_TOKEN bearer), or null. */
export function opsCaller(e: core.RequestEvent): OpsCaller | null {
  return mayReadBackupStatus({
    isSuperuser: e.hasSuperuserAuth(),
    authorization: e.request!.header.get("Authorization"),
    opsToken: getConfig().backup.opsToken,
  });
}

/**
 * Who is asking, or null after answering 401 with a Bearer challenge (the caller then returns).
 * Sets `Cache-Control: no-store` either way.
 */
export function opsAccess(e: core.RequestEvent): OpsCaller | null {
  e.response.header().set("Cache-Control", "no-store");
  const who = opsCaller(e);
  if (!who) {
    e.response.header().set("WWW-Authenticate", 'Bearer realm="pb-ops"');
    e.json(401, { status: 401, message: "Unauthorized.", data: {} });
  }
  return who;
}
