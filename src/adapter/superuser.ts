// The superuser from PB_SUPERUSER_EMAIL/PB_SUPERUSER_PASSWORD, created or updated at serve time
// before PocketBase's own onServe, which then sees a superuser and has no installer to offer.
// Idempotent: nothing is written while the stored password already matches (one bcrypt compare).
import { ConfigError } from "../config/load";
import { superuserFromConfig } from "../superuser/config";
import { getConfig } from "./config";
import { logEvent } from "./log";

const SUPERUSERS = "_superusers";

function findSuperuser(email: string): core.Record | null {
  try {
    return $app.findAuthRecordByEmail(SUPERUSERS, email);
  } catch {
    return null; // not found (PocketBase answers sql.ErrNoRows)
  }
}

export function applySuperuserAtServe(): void {
  const want = superuserFromConfig(getConfig().superuser);
  if (!want) return;
  let record = findSuperuser(want.email);
  let action: "created" | "password updated" | "unchanged";
  if (!record) {
    record = new Record($app.findCollectionByNameOrId(SUPERUSERS));
    record.setEmail(want.email);
    record.setPassword(want.password);
    action = "created";
  } else if (!record.validatePassword(want.password)) {
    record.setPassword(want.password);
    action = "password updated";
  } else {
    action = "unchanged";
  }
  if (action !== "unchanged") {
    try {
      $app.save(record);
    } catch (err) {
      // PocketBase's validation errors name fields, not values; the password is cut out anyway.
      const why = String((err as { message?: string })?.message ?? err)
        .split(want.password)
        .join("[redacted]");
      throw new ConfigError(
        "PB_SUPERUSER_EMAIL",
        want.email,
        "an email PocketBase accepts for a superuser",
        `PocketBase refused to save the superuser (${why})`,
      );
    }
  }
  logEvent("info", `superuser from PB_SUPERUSER_EMAIL ${action}`, { email: want.email });
}
