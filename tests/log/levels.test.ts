// The level tables are literals (src/log/levels.ts: no loop in every new VM's top level); they must
// still say what LOG_LEVELS says.
import { describe, expect, it } from "vitest";
import { LEVEL_NAMES, LOG_LEVELS, levelEnabled, levelOrder } from "../../src/log/levels";

describe("log levels", () => {
  it("name every level as slog spells it, and nothing else", () => {
    expect(Object.keys(LEVEL_NAMES).sort()).toEqual([...LOG_LEVELS].sort());
    for (const l of LOG_LEVELS) expect(LEVEL_NAMES[l]).toBe(l.toUpperCase());
  });

  it("order the levels as LOG_LEVELS lists them, and filter by that order", () => {
    for (let i = 0; i < LOG_LEVELS.length; i++) expect(levelOrder(LOG_LEVELS[i]!)).toBe(i);
    for (const min of LOG_LEVELS)
      for (const l of LOG_LEVELS) expect(levelEnabled(min, l), `${min} ${l}`).toBe(LOG_LEVELS.indexOf(l) >= LOG_LEVELS.indexOf(min));
  });
});
