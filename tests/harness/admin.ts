// Helpers of the admin-gate tests: the gate cookie as a browser gets it, and the HMAC the gate signs
// with, computed independently with node:crypto.
import { createHmac } from "node:crypto";
import type { RunningPocketBase } from "../../toolkit/pocketbase";
import { header, rawRequest } from "./raw-http";

/** HMAC-SHA256 of `text` under `key`, hex: the signer the gate cookie is checked against. */
export const hmacHex = (text: string, key: string): string => createHmac("sha256", key).update(text).digest("hex");

/** The gate cookie (`name=value`) a GET of the admin path sets, or undefined when none is set. */
export async function gateCookie(
  pb: RunningPocketBase,
  adminPath: string,
  headers: Record<string, string> = {},
): Promise<string | undefined> {
  const r = await rawRequest(pb.port, "GET", adminPath, headers);
  return header(r, "Set-Cookie")?.split(";")[0];
}
