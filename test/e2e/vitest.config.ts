import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { vendorAssets } from "../../scripts/vendor-assets.mjs";

// The browser tests load the dashboard's libraries from the Worker's assets, copied from node_modules.
vendorAssets();

// The e2e suite runs in Node, not in workerd: each file starts the real local server with `npm run dev`
// (see server.ts) and drives it over HTTP with the TypeScript client, as a user would. So, unlike the
// root vitest.config.ts, no cloudflareTest plugin and no workers pool here.
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    // Two files at once (vitest's default on 2 cores is one): each starts its own server on its own port
    // and storage, and most of a file's time is waiting on that server.
    maxWorkers: 2,
    // Starting wrangler dev (migrations, build, workerd) takes seconds, more on a cold or busy machine.
    hookTimeout: 180_000,
    testTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
