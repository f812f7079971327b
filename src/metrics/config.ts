// PB_METRICS: request counters, GET /api/ops/metrics and the ops page (src/adapter/metrics.ts).
import { defineVar, parseBool } from "../config/vars";

export const metricsVars = {
  enabled: defineVar({
    name: "PB_METRICS",
    default: "true",
    example: "false",
    meaning:
      "Counts every request (method, status class, route class, latency, rate-limit decisions, admin gate refusals) for `GET /api/ops/metrics` (Prometheus text, superuser or `Bearer $PB_OPS_TOKEN`) and samples them once a minute into 24 h of charts on the ops page (`/_/pb-ops`, behind `PB_ADMIN_PATH`). Its cost per request is measured by `npm run bench` (docs/metrics.md, docs/bench.md).",
    parse: parseBool,
  }),
};
