import { defineVar, InvalidValue, keywordOr, listOf, numberIn, oneOf, parseBool } from "../config/vars";
import { LOG_LEVELS } from "./levels";

export const logVars = {
  level: defineVar({
    name: "PB_LOG_LEVEL",
    default: "info",
    example: "warn",
    meaning: "Lowest level pb-ops writes to stdout. Access lines are `info` (5xx are `error`, 4xx `warn`).",
    parse: oneOf(LOG_LEVELS),
  }),
  format: defineVar({
    name: "PB_LOG_FORMAT",
    default: "json",
    example: "text",
    meaning: "`json`: one JSON object per line (slog-like). `text`: `time LEVEL msg key=value ...` for humans.",
    parse: oneOf(["json", "text"] as const),
  }),
  access: defineVar({
    name: "PB_LOG_ACCESS",
    default: "true",
    example: "false",
    meaning: "Write one access line per HTTP request.",
    parse: parseBool,
  }),
  sample: defineVar({
    name: "PB_LOG_SAMPLE",
    default: "1",
    example: "0.1",
    meaning: "Share of successful (status < 400) requests whose access line is written; errors, 4xx and 429 are always written.",
    parse: numberIn(0, 1),
  }),
  redact: defineVar({
    name: "PB_LOG_REDACT",
    default: "none",
    example: "x-api-key,session_id",
    meaning:
      "Extra names whose values are replaced by `[redacted]`, on top of the built-in list (authorization, cookie, token, password, secret, ...).",
    parse: keywordOr(
      "none",
      listOf((s) => {
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(s)) throw new InvalidValue(`bad name ${JSON.stringify(s)}`);
        return s.toLowerCase();
      }, "header/query/field names (letters, digits, - and _)"),
      Object.freeze([] as string[]) as readonly string[],
    ),
  }),
  mirror: defineVar({
    name: "PB_LOG_MIRROR",
    default: "events",
    example: "off",
    meaning:
      "Also write to PocketBase's own log store (`$app.logger()`, the dashboard's Logs view): `events` = pb-ops events only, `all` = events and access lines.",
    parse: oneOf(["off", "events", "all"] as const),
  }),
  dbRequests: defineVar({
    name: "PB_LOG_DB_REQUESTS",
    default: "all",
    example: "errors",
    meaning:
      "PocketBase's own request log (its log database, the dashboard's Logs view). `all` keeps PocketBase's behaviour. `errors` leaves out a successful request (status < 400) once pb-ops has written its access line to stdout, so it is logged once, not twice: one database write less per request. Requests without a stdout line (PB_LOG_ACCESS=false, sampled out, filtered by PB_LOG_LEVEL) are still logged by PocketBase.",
    parse: oneOf(["all", "errors"] as const),
  }),
};
