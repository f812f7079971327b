// PB_ALERT_*: where state changes of health, backup-status, the audit and the restore drill are
// posted (src/adapter/alert.ts). No URL global in goja, so the URL check is a pattern.
import { defineVar, durationIn, intIn, InvalidValue, keywordOr, parser } from "../config/vars";

/** `none`, or an http(s) URL: scheme, host[:port], optional path and query; no spaces, no fragment. */
export const parseWebhookUrl = keywordOr(
  "none",
  parser("an http(s) URL", (raw) => {
    const v = raw.trim();
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s#]*)?$/.test(v))
      throw new InvalidValue("not an http(s) URL like https://hooks.slack.com/services/...");
    const port = /^https?:\/\/[^/:]+:(\d+)/.exec(v)?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw new InvalidValue("port out of range");
    return v;
  }),
);

export const alertVars = {
  webhook: defineVar({
    name: "PB_ALERT_WEBHOOK",
    default: "none",
    example: "https://hooks.slack.com/services/T000/B000/XXXX",
    meaning:
      'Posts `{"text": ..., "source": ..., "from": ..., "to": ..., ...}` (Slack-compatible; other receivers read the JSON fields) when health, backup-status, the audit or the restore drill changes state. Checked once a minute by a PocketBase cron job; each alert is also one ERROR log line. Treated as a secret (it often holds a token).',
    secret: true,
    parse: parseWebhookUrl,
  }),
  cooldown: defineVar({
    name: "PB_ALERT_COOLDOWN",
    default: "15m",
    example: "1h",
    meaning:
      "After an alert for a source, further changes of that source are held for this long; then one alert says where it stands if that differs from the last alert.",
    parse: durationIn(1000, 86_400_000),
  }),
  retries: defineVar({
    name: "PB_ALERT_RETRIES",
    default: "3",
    example: "5",
    meaning: "Delivery attempts per alert (one per cron tick, 5 s timeout each); after the last one the alert is dropped and logged.",
    parse: intIn(1, 10),
  }),
};
