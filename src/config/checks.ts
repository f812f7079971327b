// Checks that span several variables of one section (each variable alone is valid, the set is
// not), run right after the config is built so they stop boot with the same one line.
import { fileStorageFromConfig } from "../storage/config";
import { superuserFromConfig } from "../superuser/config";
import type { Config } from "./schema";

export function checkConfig(config: Config): void {
  fileStorageFromConfig(config.storage);
  superuserFromConfig(config.superuser);
}
