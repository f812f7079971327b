// Breaks the isolation rule on purpose: PocketBase recompiles the handler from its own source text,
// where `quota` does not exist. pb-ops-build must refuse it, naming the handler and the name.
const quota = 5;

routerAdd("GET", "/api/notes/quota", (e) => {
  return e.json(200, { quota });
});
