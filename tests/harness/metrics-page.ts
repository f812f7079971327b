// Helpers for the metrics tests: the superuser login behind the gate, and the version whose
// screenshot goes in docs/.
import { expect } from "vitest";
import { fetchJson } from "../../toolkit/http";
import { SUPERUSER, type RunningPocketBase } from "../../toolkit/pocketbase";
export { POCKETBASE_VERSIONS, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
export const POCKETBASE_NEWEST_FOR_DOCS = "v0.40.4";

/** The superuser login is behind the gate: open it first (the cookie), then sign in. */
export async function superuserToken(pb: RunningPocketBase, adminPath: string): Promise<string> {
  const open = await fetch(`${pb.url}${adminPath}`, { redirect: "manual" });
  const cookie = (open.headers.get("set-cookie") ?? "").split(";")[0]!;
  const res = await fetchJson(`${pb.url}/api/collections/_superusers/auth-with-password`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ identity: SUPERUSER.email, password: SUPERUSER.password }),
  });
  expect(res.status).toBe(200);
  return (res.body as { token: string }).token;
}
