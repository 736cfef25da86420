import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes a new versioned migration into src/db/migrations after a schema change;
// wrangler applies them (locally in dev and tests, `wrangler d1 migrations apply DB --remote` in production).
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./src/db/migrations",
});
