// The middleware bundle a request VM loads (src/config/shared-plan.ts hotFileOf, build.mjs):
// hot-lean.js, built without the admin gate and the rate limiter, when both are off; else hot.js.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildSharedPlan } from "../../src/config/shared-plan";
import { ROOT } from "../../toolkit/paths";

describe("the middleware bundle a request VM loads", () => {
  it("is hot-lean.js when neither the admin gate nor the rate limiter is on, else hot.js", () => {
    const argv = ["pocketbase", "serve"];
    expect(buildSharedPlan({}, argv).plan.hotFile).toBe("hot-lean.js");
    expect(buildSharedPlan({ PB_CORS_ORIGINS: "https://app.example.com", PB_LOG_ACCESS: "false" }, argv).plan.hotFile).toBe("hot-lean.js");
    expect(buildSharedPlan({ PB_ADMIN_PATH: "/admin-Qm7vX2pL9wR4tZ8nB3k" }, argv).plan.hotFile).toBe("hot.js");
    expect(buildSharedPlan({ PB_ADMIN_ALLOW_IPS: "10.0.0.0/8" }, argv).plan.hotFile).toBe("hot.js");
    expect(buildSharedPlan({ PB_RATE_LIMIT: "300/60s" }, argv).plan.hotFile).toBe("hot.js");
    expect(buildSharedPlan({ PB_RATE_LIMIT_RULES: "GET /api/x 3/60s" }, argv).plan.hotFile).toBe("hot.js");
  });
});

describe("pb_ops/hot-lean.js (built by npm test before this runs)", () => {
  it("holds the middleware without the admin gate's and the rate limiter's stages and modules", () => {
    const hot = readFileSync(join(ROOT, "pb_hooks/pb_ops/hot.js"), "utf8");
    const lean = readFileSync(join(ROOT, "pb_hooks/pb_ops/hot-lean.js"), "utf8");
    expect(lean).toContain("handleRequest");
    for (const absent of ["var adminGate", "var rateLimitStage", "// src/adapter/admin.ts", "// src/ratelimit/table.ts", "PB_LOG_LEVEL"])
      expect(lean, absent).not.toContain(absent);
    expect(hot).toContain("var adminGate");
    expect(hot).toContain("var rateLimitStage");
    expect(lean.length).toBeLessThan(hot.length * 0.7);
  });
});
