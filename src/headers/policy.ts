// From the parsed config to the final, frozen header lists: one list per route class and per
// "request is HTTPS or not". Built once per VM; the request stage only picks a list and loops.
import type { SectionOf } from "../config/load";
import { headerVars } from "./config";
import { DOCUMENT_ONLY, type HeaderInputs, MANAGED, type ManagedHeader } from "./managed";
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
  // Page-only headers whose value the operator chose (a variable of theirs off its default): sent
  // on the API class too (DOCUMENT_ONLY in managed.ts).
  const explicit = new Set<string>();
  for (const d of MANAGED) {
    if (!DOCUMENT_ONLY.has(d.name)) continue;
    for (const v of d.vars) {
      const key = (Object.keys(headerVars) as (keyof typeof headerVars)[]).find((k) => headerVars[k].name === v)!;
      if (cfg[key] !== headerVars[key].default) explicit.add(d.name);
    }
  }
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
      if (value === undefined || disabled.has(d.name) || (cls === "api" && DOCUMENT_ONLY.has(d.name) && !explicit.has(d.name))) continue;
      kept.push(Object.freeze([d.name, value] as const));
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

export { DOCUMENT_ONLY } from "./managed";
