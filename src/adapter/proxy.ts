// Trusted proxy: writes PB_TRUSTED_PROXY_HEADERS into PocketBase's settings at serve time
// (src/proxy/settings.ts decides), and warns when requests arrive through a proxy whose client
// address header PocketBase does not trust.
import { lookAtProxyHeaders, PROXY_CHECK_REST_MS, trustedProxyChange, type TrustedProxy } from "../proxy/settings";
import { getConfig } from "./config";
import { logEvent } from "./log";
import type { PreStage } from "./stage";
import { STORE } from "./keys";
import { appStore } from "./store";

function goStrings(list: ArrayLike<string> | null | undefined): string[] {
  const out: string[] = [];
  if (list) for (let i = 0; i < list.length; i++) out.push(String(list[i]));
  return out;
}

function currentTrustedProxy(): TrustedProxy {
  const tp = $app.settings().trustedProxy;
  return { headers: goStrings(tp.headers as unknown as ArrayLike<string>), useLeftmostIP: !!tp.useLeftmostIP };
}

/** onServe, before e.next(): idempotent (no save when PocketBase already holds the value), logged once. */
export function applyTrustedProxyAtServe(): void {
  const cfg = getConfig().proxy;
  if (cfg.headers === null) return;
  const change = trustedProxyChange(cfg.headers, cfg.leftmostIp, currentTrustedProxy());
  if (change) {
    const settings = $app.settings();
    settings.trustedProxy.headers = change.headers as string[];
    settings.trustedProxy.useLeftmostIP = change.useLeftmostIP;
    $app.save(settings);
  }
  logEvent(
    "info",
    change ? "trusted proxy headers set from PB_TRUSTED_PROXY_HEADERS" : "trusted proxy headers already as PB_TRUSTED_PROXY_HEADERS says",
    {
      headers: cfg.headers,
      useLeftmostIP: cfg.leftmostIp,
    },
  );
}

/**
 * The time before which requests are not looked at (see PROXY_CHECK_REST_MS): kept per VM, and
 * shared through the store so a new VM rests as the others do. Without it, every throwaway VM
 * (one per request once the pool is exhausted) would look at its one request: a dozen header
 * lookups and the settings read from Go, against one store read.
 */
let restUntilMs = 0;

/**
 * Pre stage. Almost always one comparison against the request's start time (a VM's first request
 * adds one store read); a looked-at request costs a dozen header lookups. The warning is one line
 * per PROXY_CHECK_REST_MS.warned across VMs.
 */
export const warnUntrustedProxy: PreStage = (e, state) => {
  const now = state.startedAtMs;
  if (now < restUntilMs) return;
  const store = appStore();
  const shared = store.get(STORE.proxyRestUntil);
  if (typeof shared === "number" && now < shared) {
    restUntilMs = shared;
    return;
  }
  const get = state.getRequestHeader;
  const look = lookAtProxyHeaders((h) => get(h) !== "", currentTrustedProxy().headers);
  restUntilMs = now + PROXY_CHECK_REST_MS[look.kind === "untrusted" ? "warned" : look.kind];
  store.set(STORE.proxyRestUntil, restUntilMs);
  if (look.kind !== "untrusted") return;
  let mine = false;
  store.setFunc(STORE.proxyWarnedAt, (old: number | undefined) => {
    if (typeof old === "number" && now - old < PROXY_CHECK_REST_MS.warned) return old;
    mine = true;
    return now;
  });
  if (!mine) return;
  const suggest = look.headers.includes("do-connecting-ip") ? "do-connecting-ip" : look.headers[0];
  logEvent(
    "warn",
    "request came through a proxy PocketBase does not trust: every client shares the proxy's address (rate limits, admin allowlist, logs)",
    {
      proxyHeaders: look.headers,
      trusted: currentTrustedProxy().headers,
      ip: e.realIP(),
      hint: `set PB_TRUSTED_PROXY_HEADERS=${suggest} if your proxy always sets it`,
    },
    state,
  );
};
