// App teams' backup-status checks: registration is validated, results are normalised, and a
// non-ok check moves the overall status.
import { describe, expect, it } from "vitest";
import { checkRef, toResult, withCheck } from "../../src/backup/custom";

describe("custom backup checks", () => {
  it("registrations are validated with a message that says what to write", () => {
    expect(checkRef("queue", "/app/pb_hooks/app/index.js", "queueCheck")).toEqual({
      name: "queue",
      module: "/app/pb_hooks/app/index.js",
      exportName: "queueCheck",
    });
    expect(() => checkRef("Queue!", "/a.js", "f")).toThrow(/lower-case/);
    expect(() => checkRef("q", "relative/index.js", "f")).toThrow(/absolute path/);
    expect(() => checkRef("q", "/a.js", "not-a-name")).toThrow(/export name/);
  });
  it("the same name replaces the earlier registration; order is stable", () => {
    const a = checkRef("b-check", "/a.js", "one");
    const b = checkRef("a-check", "/b.js", "two");
    const a2 = checkRef("b-check", "/c.js", "three");
    expect(withCheck(withCheck(withCheck([], a), b), a2).map((c) => `${c.name}:${c.exportName}`)).toEqual(["a-check:two", "b-check:three"]);
  });
  it("results: ok/degraded/failing pass through; anything else, or a throw, is failing", () => {
    expect(toResult("q", { status: "degraded", message: "slow" })).toEqual({ name: "q", status: "degraded", message: "slow" });
    expect(toResult("q", { status: "ok" })).toEqual({ name: "q", status: "ok", message: "" });
    expect(toResult("q", { status: "fine" }).status).toBe("failing");
    expect(toResult("q", undefined).status).toBe("failing");
    expect(toResult("q", undefined, new Error("db gone"))).toEqual({ name: "q", status: "failing", message: "check threw: db gone" });
  });
});
