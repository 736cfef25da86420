import { defineConfig } from "vitest/config";

// Tests of pure modules (statistics, cron and daylight saving, CEL filters, PII detectors, the SQL guard,
// definitions…) need no Worker and no binding: named `*.node.test.ts`, they run in Node, where a file costs
// milliseconds to start rather than the seconds a fresh workerd runtime takes in vitest.config.ts.
export default defineConfig({
  test: {
    include: ["test/**/*.node.test.ts"],
    environment: "node",
    testTimeout: 30_000,
  },
});
