// The one schema of every PB_* variable pb-ops reads. Each concern owns its section in
// src/<concern>/config.ts; adding a section here is all it takes to validate it at boot and to
// list it in docs/config.md.
import { adminVars } from "../admin/config";
import { alertVars } from "../alert/config";
import { backupVars } from "../backup/config";
import { drillVars } from "../drill/config";
import { headerVars } from "../headers/config";
import { leaseVars } from "../lease/config";
import { logVars } from "../log/config";
import { metricsVars } from "../metrics/config";
import { poolVars } from "../pool/config";
import { proxyVars } from "../proxy/config";
import { rateLimitVars } from "../ratelimit/config";
import { storageVars } from "../storage/config";
import { superuserVars } from "../superuser/config";
import type { ConfigOf } from "./load";

export const schema = {
  log: logVars,
  headers: headerVars,
  admin: adminVars,
  backup: backupVars,
  rateLimit: rateLimitVars,
  proxy: proxyVars,
  storage: storageVars,
  superuser: superuserVars,
  lease: leaseVars,
  drill: drillVars,
  alert: alertVars,
  metrics: metricsVars,
  pool: poolVars,
};

export type Config = ConfigOf<typeof schema>;
