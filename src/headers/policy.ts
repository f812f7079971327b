// From the parsed config to the final, frozen header lists: one list per route class and per
// "request is HTTPS or not". Built once per VM; the request stage only picks a list and loops.
import type { SectionOf } from "../config/load";
import type { headerVars } from "./config";
import { type HeaderInputs, MANAGED, type ManagedHeader } from "./managed";
import { ROUTE_CLASSES, type RouteClass } from "./route-class";
import { OFF } from "./values";

export type HeadersConfig = SectionOf<typeof headerVars>;

export type HeaderList = ReadonlyArray<readonly [ManagedHeader, string]>;

export interface ClassHeaders {
  /** For requests not known to be HTTPS. */
  readonly plain: HeaderList;
  /** For HTTPS requests (adds HSTS and the CSP's upgrade-insecure-requests). */
  readonly secure: HeaderList;
}

export interface HeaderPlan {
  /** False when PB_SECURITY_HEADERS=off: pb-ops sets nothing and PocketBase's own headers stay. */
  readonly enabled: boolean;
  readonly classes: Readonly<Record<RouteClass, ClassHeaders>>;
  /** Whether any class differs between plain and secure; if not, HTTPS need not be detected. */
  readonly httpsMatters: boolean;
}

export function buildHeaderPlan(cfg: HeadersConfig): HeaderPlan {
  const disabled = new Set<string>(cfg.disabled);
  const cspByClass: Record<RouteClass, string> = { api: cfg.csp, files: cfg.cspFiles, admin: cfg.cspAdmin, public: cfg.cspPublic };
  // `auto` sends no X-Frame-Options on record files: PocketBase v0.40 deletes it there itself so
  // front ends can embed uploads (apis/file.go), and a file's sandbox CSP already stops it running
  // anything. pb-ops follows that on every version rather than differ between them.
  const frameByClass: Record<RouteClass, string> =
    cfg.frameOptions === "auto"
      ? { api: "DENY", admin: "DENY", files: OFF, public: "SAMEORIGIN" }
      : { api: cfg.frameOptions, admin: cfg.frameOptions, files: cfg.frameOptions, public: cfg.frameOptions };

  const inputs: HeaderInputs = {
    csp: cspByClass,
    frame: frameByClass,
    coop: cfg.coop,
    corp: cfg.corp,
    corpFiles: cfg.corpFiles,
    referrerPolicy: cfg.referrerPolicy,
    hsts: cfg.hsts,
  };
  const listFor = (cls: RouteClass, secure: boolean): HeaderList => {
    const kept: Array<readonly [ManagedHeader, string]> = [];
    for (const d of MANAGED) {
      const value = d.value(inputs, cls, secure);
      if (value !== undefined && !disabled.has(d.name)) kept.push(Object.freeze([d.name, value] as const));
    }
    return Object.freeze(kept);
  };

  const classes = {} as Record<RouteClass, ClassHeaders>;
  let httpsMatters = false;
  for (const cls of ROUTE_CLASSES) {
    const plain = listFor(cls, false);
    const secure = listFor(cls, true);
    if (JSON.stringify(plain) !== JSON.stringify(secure)) httpsMatters = true;
    classes[cls] = Object.freeze({ plain, secure });
  }
  return Object.freeze({ enabled: cfg.enabled, classes: Object.freeze(classes), httpsMatters });
}
