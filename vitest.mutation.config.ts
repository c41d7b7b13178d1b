// The tests StrykerJS runs against each mutant (npm run test:mutation): only those that run in
// plain Node and import the sources they judge (the Workers pool and the built mini-program
// copy cannot see Stryker's mutants). See docs/testing.md.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["tests/unit/**/*.test.ts", "tests/miniprogram/core/**/*.test.ts", "tests/miniprogram/api.test.ts", "tests/miniprogram/media-urls.test.ts"],
  },
});
