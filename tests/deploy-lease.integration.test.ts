// Deploys that lose nothing (issue 14): the deploy lease, the write fence and the handoff between
// the old and the new container, with the REAL entrypoint, PocketBase, Litestream v0.5 and
// versitygw on loopback (tests/harness/deploy-drill.ts).
import { describe, expect, it } from "vitest";
import { runDeployDrill } from "./harness/deploy-drill";

const log = (m: string) => console.log(`[deploy] ${m}`);

describe("rolling deploys with the lease (A -> B -> C -> D under load, then a restore)", () => {
  it("every write acknowledged by any container is in the final restore, once, and the database is intact", async () => {
    const r = await runDeployDrill({ lease: true, deploys: 3, log });
    console.log(`[deploy] lease on: ${r.acked.length} acked, ${r.lost.length} lost, pause max ${r.maxPauseMs}ms, deploys ${r.deployMs.join("/")}ms`);
    expect(r.acked.length, "the load really wrote").toBeGreaterThan(150);
    for (const name of ["A", "B", "C", "D"]) expect(r.acked.some((a) => a.by === name), `${name} acknowledged writes`).toBe(true);
    expect(r.lost.map((a) => `${a.seq}@${a.by}`), Object.values(r.outputs).join("\n=====\n").slice(-20000)).toEqual([]);
    expect(r.duplicates).toBe(0);
    expect(r.integrity).toBe("ok");
    expect(r.refused, "the fence answered 503 during each handoff").toBeGreaterThan(0);
    for (const [name, out] of Object.entries(r.outputs).slice(0, 3)) {
      expect(out, `${name} handed over`).toMatch(/FENCED: a deploy is in progress/);
      expect(out, `${name} released`).toMatch(/released epoch \d+ at TXID \d+/);
    }
  }, 240_000);
});
