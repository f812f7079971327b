// Test-only routes copied next to the built hooks: one per kind of outcome an access line must get right.
const TEST_ROUTES = `
routerAdd("GET", "/test/ok", (e) => e.json(200, { ok: true }));
routerAdd("GET", "/test/bad", (e) => { throw new BadRequestError("bad input"); });
routerAdd("GET", "/test/limited", (e) => { throw new TooManyRequestsError("slow down"); });
routerAdd("GET", "/test/boom", (e) => { throw new InternalServerError("kaboom"); });
routerAdd("GET", "/test/jserror", (e) => { throw new Error("plain js error"); });
routerAdd("GET", "/test/custom-log", (e) => {
  require(\`\${__hooks}/pb_ops/index.js\`).log.forRequest(e).info("custom event", { orderId: 42 });
  return e.json(200, { logged: true });
});
`;

/** TEST_ROUTES as an `extraHooks` entry for startPocketBase / prepareHooks. */
export const TEST_ROUTE_HOOKS: Record<string, string> = { "zz_test_routes.pb.js": TEST_ROUTES };
