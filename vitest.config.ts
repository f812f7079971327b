import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // The container checks need the built image: `npm run test:image` (vitest.image.config.ts).
    exclude: ["tests/image/**", "**/node_modules/**"],
    globalSetup: ["tests/harness/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Integration tests mostly wait on real PocketBase processes; 2 cores handle 3 files at once.
    maxWorkers: 3,
    reporters: ["default"],
  },
});
