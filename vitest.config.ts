import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { vendorAssets } from "./scripts/vendor-assets.mjs";

// The Worker's static assets include the dashboard's libraries, copied from node_modules.
vendorAssets();

// Integration tests run inside workerd with the real bindings from wrangler.toml: local D1 (migrations
// applied in test/setup.ts), local Durable Objects, local Queues. Vectorize and Workers AI have no local
// simulator, so the tests select Switchyard's local index and embedder, exactly as `npm run dev` does.
export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: "./wrangler.toml" },
      remoteBindings: false,
      miniflare: {
        bindings: {
          SWITCHYARD_ENV: "development",
          EMBEDDINGS: "local",
          VECTOR_INDEX: "local",
          ADMIN_TOKEN: "test-admin-token",
          // A Worker secret that JWT webhook triggers name with `secret_name` (test/lifecycle/webhooks.test.ts).
          TEST_HOOK_SECRET: "test-hook-secret-0123456789-abcdefghij",
          TEST_MIGRATIONS: await readD1Migrations(path.join(process.cwd(), "src/db/migrations")),
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // Pure modules' tests run in Node (vitest.node.config.ts).
    exclude: ["test/e2e/**", "test/**/*.node.test.ts"],
    setupFiles: ["./test/setup.ts"],
    testTimeout: 30_000,
    // vitest's default is one file at a time on a 2-core machine (cores − 1); files wait on workerd I/O
    // much of the time, so two at once keeps both cores busy (each file has its own storage).
    maxWorkers: 2,
  },
});
