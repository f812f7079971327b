// Checks that span several variables of one section (each variable alone is valid, the set is
// not), run right after the config is built so they stop boot with the same one line. Boot runs
// exactly these (src/adapter/boot.ts), so the boot-error tests can check every refusal without
// starting PocketBase.
import { leaseSettingsError } from "../lease/config";
import { fileStorageFromConfig } from "../storage/config";
import { superuserFromConfig } from "../superuser/config";
import type { Env } from "./load";
import type { Config } from "./schema";

/** Throws the first ConfigError; `env` only names the values in the lease's line. */
export function checkConfig(config: Config, env: Env = {}): void {
  fileStorageFromConfig(config.storage);
  superuserFromConfig(config.superuser);
  const lease = leaseSettingsError(config.lease, env);
  if (lease) throw lease;
}
