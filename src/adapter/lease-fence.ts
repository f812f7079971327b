// The deploy lease on the request path: the fence stage and the role, read from $app.store() where
// the serve-time set-up (src/adapter/lease.ts) leaves it. Its own module so the request middleware's
// bundle (pb_ops/hot.js, evaluated again in every new VM) does not carry the lease's S3 client.
import { STORE } from "./keys";
import type { RequestState } from "./request-state";
import { appStore } from "./store";

export interface Role {
  role: "primary" | "standby" | "fenced" | "none";
  reason: string;
}

/** The role the serving process runs in, for health and backup-status. */
export function currentRole(): Role | null {
  const raw = appStore().get(STORE.leaseRole) as string | undefined;
  return raw ? (JSON.parse(raw) as Role) : null;
}

const SAFE = { GET: 1, HEAD: 1, OPTIONS: 1 } as Record<string, 1>;

/** Pre stage: one store read per request; writes get 503 while standby or handing over. */
export function leaseFenceStage(e: core.RequestEvent, state: RequestState): boolean | void {
  if (SAFE[state.method] === 1) return; // reads never touch the store
  const raw = appStore().get(STORE.leaseRole) as string | undefined;
  if (!raw || state.path === "/api/ops/lease/refresh") return;
  const r = JSON.parse(raw) as Role;
  const standby = r.role === "standby";
  const nowS = Math.floor(Date.now() / 10_000);
  if (standby && appStore().get(STORE.leaseLastLog) !== nowS) {
    appStore().set(STORE.leaseLastLog, nowS);
    console.error(`pb-ops lease: STANDBY refused a ${state.method}: ${r.reason}`);
  }
  e.response.header().set("Retry-After", standby ? "30" : "2");
  e.json(503, {
    status: 503,
    message: standby
      ? `This instance is a standby and does not accept writes: ${r.reason}.`
      : "A deploy is in progress: this instance is handing over; retry shortly.",
    data: {},
  });
  return true;
}
