// The config is built once per VM (module state is per VM in PocketBase's require()) from the
// process environment, which is the same in every VM.
import { buildConfig } from "../config/load";
import { schema, type Config } from "../config/schema";

let cached: Config | undefined;

export function getConfig(): Config {
  if (!cached) cached = buildConfig(schema, process.env as Record<string, string | undefined>);
  return cached;
}
