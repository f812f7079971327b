// Reading what pb-ops wrote on PocketBase's stdout, and what reached PocketBase's own log store.
import type { RunningPocketBase } from "../../toolkit/pocketbase";
import { pollUntil } from "../../toolkit/wait";

/** PocketBase's own start-up banner lines (plain text, not pb-ops's). */
const POCKETBASE_BANNER = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} Server started at |├─ |└─ |\(!\) |http:\/\/\S+$|\(you can also create)/;

export interface ParsedStdout {
  records: Record<string, any>[];
  /** Lines that are neither JSON nor PocketBase's banner. */
  stray: string[];
}

export function parseStdout(text: string): ParsedStdout {
  const records: Record<string, any>[] = [];
  const stray: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || POCKETBASE_BANNER.test(line)) continue;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === "object" && !Array.isArray(v)) records.push(v);
      else stray.push(line);
    } catch {
      stray.push(line);
    }
  }
  return { records, stray };
}

export function accessLines(records: Record<string, any>[]): Record<string, any>[] {
  return records.filter((r) => r.msg === "request");
}

export interface PocketBaseLogEntry {
  message: string;
  data: Record<string, any>;
}

/**
 * Reads PocketBase's log store (GET /api/logs, superuser `token`), waiting for its batch writer
 * (up to 3 s) until at least `min` entries match `filter`.
 */
export async function pocketbaseLogs(pb: RunningPocketBase, token: string, filter: string, min: number): Promise<PocketBaseLogEntry[]> {
  let items: PocketBaseLogEntry[] = [];
  await pollUntil(
    async () => {
      const res = await fetch(`${pb.url}/api/logs?perPage=500&filter=${encodeURIComponent(filter)}`, { headers: { Authorization: token } });
      items = ((await res.json()) as { items: PocketBaseLogEntry[] }).items ?? [];
      return items.length >= min;
    },
    8000,
    250,
  );
  return items;
}
