// Alerts on state changes, with a cool-down, and a bounded delivery queue. Pure: the cron tick
// (src/adapter/alert.ts) passes the observed states and the stored memory, and gets back the new
// memory, the alerts to log and the deliveries to try.

export type Source = "health" | "backup" | "audit" | "drill";

export interface Observation {
  source: Source;
  state: string;
  /** Short words for the alert (reason codes, failing check ids...). */
  detail: string[];
}

export interface SourceMemory {
  /** The state the last alert announced (or the first state seen). */
  announced: string;
  /** null for a silent baseline: its first change is announced at once. */
  announcedAtMs: number | null;
}

export interface Alert {
  source: Source;
  from: string;
  to: string;
  detail: string[];
  atMs: number;
}

export interface Pending {
  alert: Alert;
  attempts: number;
}

/** States that are fine: the first observation of a source is announced only when it is not one of these. */
const GOOD = new Set(["ok", "pass", "passed"]);
/**
 * Sources whose first state is taken as the baseline even when it is not good: the audit of a
 * typical app warns about something, and announcing that at every start would be noise.
 */
const SILENT_FIRST = new Set<Source>(["audit"]);

/**
 * A state change is announced at once when the source's last announcement is older than the
 * cool-down; otherwise it is held. When the cool-down ends, one alert says where the source stands
 * if that differs from what was last announced; a flap that came back meanwhile sends nothing.
 */
export function decideAlerts(input: {
  nowMs: number;
  cooldownMs: number;
  memory: Partial<Record<Source, SourceMemory>>;
  observed: Observation[];
}): { memory: Partial<Record<Source, SourceMemory>>; alerts: Alert[] } {
  const memory = { ...input.memory };
  const alerts: Alert[] = [];
  for (const o of input.observed) {
    const m = memory[o.source];
    if (!m) {
      const announce = !GOOD.has(o.state) && !SILENT_FIRST.has(o.source);
      memory[o.source] = { announced: o.state, announcedAtMs: announce ? input.nowMs : null };
      if (announce) alerts.push({ source: o.source, from: "unknown", to: o.state, detail: o.detail, atMs: input.nowMs });
      continue;
    }
    if (o.state === m.announced) continue;
    if (m.announcedAtMs !== null && input.nowMs - m.announcedAtMs < input.cooldownMs) continue;
    alerts.push({ source: o.source, from: m.announced, to: o.state, detail: o.detail, atMs: input.nowMs });
    memory[o.source] = { announced: o.state, announcedAtMs: input.nowMs };
  }
  return { memory, alerts };
}

/** After one delivery round: failed ones stay for the next tick until `maxAttempts`. */
export function afterDelivery(
  tried: Array<{ item: Pending; delivered: boolean }>,
  maxAttempts: number,
): { keep: Pending[]; dropped: Pending[] } {
  const keep: Pending[] = [];
  const dropped: Pending[] = [];
  for (const { item, delivered } of tried) {
    if (delivered) continue;
    const next = { ...item, attempts: item.attempts + 1 };
    (next.attempts >= maxAttempts ? dropped : keep).push(next);
  }
  return { keep, dropped };
}

/** At most this many alerts wait for delivery; the oldest go first when more pile up. */
export const MAX_QUEUE = 50;

const NAMES: Record<Source, string> = { health: "health", backup: "backup-status", audit: "audit", drill: "restore drill" };

/**
 * One body for both kinds of receiver: Slack (and Mattermost, Discord's /slack endpoint...) read
 * `text` and ignore the other keys; a generic receiver reads the fields.
 */
export function alertBody(a: Alert, app: { name: string; url: string }): Record<string, unknown> {
  const bad = !GOOD.has(a.to);
  const detail = a.detail.length ? ` (${a.detail.join(", ")})` : "";
  return {
    text: `${bad ? ":red_circle:" : ":large_green_circle:"} ${app.name}: ${NAMES[a.source]} ${a.from} -> ${a.to}${detail}`,
    source: a.source,
    from: a.from,
    to: a.to,
    detail: a.detail,
    at: new Date(a.atMs).toISOString(),
    app: app.name,
    appUrl: app.url,
  };
}
