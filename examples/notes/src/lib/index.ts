// The app's library, bundled by pb-ops-build. It talks to pb-ops through the bundle PocketBase
// already loaded, typed by the pb-ops package's public declarations.
import type * as PbOps from "pb-ops";

function ops(): typeof PbOps {
  return require(`${__hooks}/pb_ops/index.js`);
}

export function normaliseTitle(title: string): string {
  return title.trim().replace(/\s+/g, " ").slice(0, 120);
}

export function shareNote(e: core.RequestEvent): void {
  const { rateLimit, log } = ops();
  // Sharing sends email: 2 per minute per client, on top of pb-ops's global limit.
  rateLimit(e, "share-note", "2/1m");
  const id = e.request!.pathValue("id");
  const note = $app.findRecordById("notes", id);
  log.forRequest(e).info("note shared", { noteId: note.id });
  e.json(200, { shared: note.id });
}

export function report(e: core.RequestEvent): void {
  ops().applyHeaders(e, "public");
  const count = $app.countRecords("notes");
  e.html(200, `<!doctype html><title>Notes</title><p>${count} notes</p>`);
}

export function beforeCreate(e: core.RecordRequestEvent): void {
  const record = e.record!;
  record.set("title", normaliseTitle(String(record.get("title") ?? "")));
  e.next();
  ops().log.info("note created", { noteId: record.id });
}

export function shareQueueCheck(): { status: "ok" | "degraded" | "failing"; message: string } {
  const waiting = $app.countRecords("notes", $dbx.exp("title LIKE 'URGENT%'"));
  return waiting > 100 ? { status: "degraded", message: `${waiting} urgent notes` } : { status: "ok", message: `${waiting} urgent notes` };
}
