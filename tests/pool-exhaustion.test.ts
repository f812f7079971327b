// Pool exhaustion from counts (src/pool/exhaustion.ts): pure.
import { describe, expect, it } from "vitest";
import { poolReport, poolSizeFromArgs, warnDue } from "../src/pool/exhaustion";

describe("pool exhaustion", () => {
  it("reads --hooksPool in both flag forms, ignoring what is not a number", () => {
    expect(poolSizeFromArgs(["pb", "serve", "--hooksPool", "240"], 15)).toBe(240);
    expect(poolSizeFromArgs(["pb", "--hooksPool=8", "serve"], 15)).toBe(8);
    expect(poolSizeFromArgs(["pb", "serve", "--hooksPool"], 15)).toBe(15);
    expect(poolSizeFromArgs(["pb", "serve", "--hooksPool", "x"], 15)).toBe(15);
    expect(poolSizeFromArgs(["pb", "serve"], 15)).toBe(15);
  });
  it("counts VM starts beyond the pool as requests in throwaway VMs", () => {
    expect(poolReport(15, 3)).toEqual({ size: 15, vmStarts: 3, beyondPool: 0 });
    expect(poolReport(15, 15)).toEqual({ size: 15, vmStarts: 15, beyondPool: 0 });
    expect(poolReport(15, 40)).toEqual({ size: 15, vmStarts: 40, beyondPool: 25 });
  });
  it("warns at most once per interval", () => {
    expect(warnDue(undefined, 1000, 60_000)).toBe(true);
    expect(warnDue(1000, 60_999, 60_000)).toBe(false);
    expect(warnDue(1000, 61_000, 60_000)).toBe(true);
  });
});
