// Registration only: every handler requires this app's bundle (built by pb-ops-build into
// pb_hooks/notes-hooks/index.js) and calls one function, exactly like pb-ops's own hooks.

// Share a note by email: a custom route with its own rate limit and log lines.
routerAdd("POST", "/api/notes/{id}/share", (e) => {
  return require(`${__hooks}/notes-hooks/index.js`).shareNote(e);
});

// A report page served from under /api/: it needs the pb_public header set, not the API's.
routerAdd("GET", "/api/notes/report", (e) => {
  return require(`${__hooks}/notes-hooks/index.js`).report(e);
});

// Record hook: normalise titles and log each new note.
onRecordCreateRequest((e) => {
  require(`${__hooks}/notes-hooks/index.js`).beforeCreate(e);
}, "notes");

// Our own backup-status check: how many notes wait to be shared.
require(`${__hooks}/pb_ops/index.js`).addBackupCheck("share-queue", `${__hooks}/notes-hooks/index.js`, "shareQueueCheck");
