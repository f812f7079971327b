// `npm run test:image` only (scripts/test-image.mjs builds the image, then runs this): the
// container checks in tests/image/, one file at a time, no global setup (the image holds the
// binaries; the script has prepared the host-side ones).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/image/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ["default"],
  },
});
