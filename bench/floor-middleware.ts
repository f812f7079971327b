// The "Go calls alone" rows of the pool bench (issue 22): a middleware written inline in a hook file,
// with no module and as little JS as it can have, that makes the calls into Go that pb-ops makes on
// `GET /api/health`, for the full stack (bench/full-stack.ts) or the defaults (no PB_* set). The full
// stack's:
//
// - the request: method, URL path, pattern, three request headers (X-Request-Id, Origin,
//   User-Agent), `e.realIP()`, `e.auth`, one event value (a route's own rate-limit outcome);
// - the response: the eight headers pb-ops sends there (request id, four security headers, Vary,
//   RateLimit-Policy, RateLimit), through `e.response.header()`'s bound `set`, with PocketBase's own
//   security-header and CORS middlewares unbound at serve, as pb-ops does;
// - one token-bucket update in `$app.store()` (`setFunc`, callback in JS), as the rate limiter does;
// - after the handler: status, URL query, and one JSON access line written with os.Stdout's
//   `WriteString`, taken from the store as pb-ops does (its time a number: formatting it is JS work
//   a floor leaves out).
//
// The defaults make the same calls less the rate limiter's (store update, two headers), the CORS
// allowlist's (Origin, Vary) and the admin gate's (pattern); PocketBase's CORS middleware stays.
//
// pb-ops makes these same calls with more JS around them, so this middleware's throughput against the
// no-op middleware in the same run is the ceiling pb-ops's is held to (tests/bench/floor.integration.test.ts
// checks that it answers with the same headers and writes one line per request).
export function goCallsAloneMiddleware(stack: "full" | "defaults"): string {
  const full = stack === "full";
  const only = (text: string) => (full ? text : "");
  return `$app.store().set("floor.stdout", $app.rootCmd.outOrStdout().writeString);
// pb-ops replaces PocketBase's own security headers (and CORS, when it has an allowlist); so does this.
$app.onServe().bindFunc((e) => { e.router.unbind("pbSecurityHeaders"${only(', "pbCors"')}); return e.next(); });
routerUse(new Middleware((e) => {
  const g = globalThis;
  if (!g.__floor) g.__floor = { store: $app.store(), n: 0, prefix: $security.randomString(12), left: 0, write: null };
  const s = g.__floor;
  const t0 = Date.now();
  const req = e.request;
  const method = req.method;
  const path = req.url.path;
  ${only("const pattern = req.pattern;")}
  const get = req.header.get;
  const incoming = get("X-Request-Id");
  const set = e.response.header().set;
  const id = incoming && /^[A-Za-z0-9._:@-]{8,128}$/.test(incoming) ? incoming : s.prefix + (++s.n).toString(36).padStart(8, "0");
  set("X-Request-Id", id);
  set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  set("Cross-Origin-Resource-Policy", "same-origin");
  set("X-Content-Type-Options", "nosniff");
  set("X-Frame-Options", "DENY");
  const ip = e.realIP();
  ${only(`const origin = get("Origin");
  set("Vary", "Origin");
  if (origin === "https://app.example.com") set("Access-Control-Allow-Origin", origin);
  set("RateLimit-Policy", '"default";q=100000000;w=1');
  s.store.setFunc("floor.rl:" + ip, (old) => {
    let tokens = 100000000, at = t0;
    if (old) { const sp = old.indexOf(" "); tokens = +old.slice(0, sp); at = +old.slice(sp + 1); }
    tokens = Math.min(100000000, tokens + (t0 - at) * 100000) - 1;
    s.left = tokens;
    return tokens + " " + t0;
  });
  set("RateLimit", '"default";r=' + Math.floor(s.left) + ";t=1");`)}
  e.next();
  const status = e.status() || 200;
  const raw = req.url.rawQuery;
  const auth = e.auth;
  const routeLimit = e.get("pbOps.floor");
  const write = s.write || (s.write = s.store.get("floor.stdout"));
  write('{"time":' + t0 + ',"level":"INFO","msg":"request","method":"' + method +
    '","path":' + JSON.stringify(raw ? path + "?" + raw : path) + ',"status":' + status + ',"durationMs":' + (Date.now() - t0) +
    ',"ip":' + JSON.stringify(ip) + ',"requestId":"' + id + '","userAgent":' + JSON.stringify(get("User-Agent")) +
    (auth ? ',"authId":' + JSON.stringify(auth.id) : "") + (routeLimit ? ',"rateLimit":"' + routeLimit + '"' : "") +
    ${full ? `(pattern === "GET /_/{path...}" ? ',"admin":true' : "") + ` : ""}"}\\n");
}, -1016, "goCallsAlone"));
`;
}
