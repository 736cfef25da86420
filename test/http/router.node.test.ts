import { describe, expect, it } from "vitest";
import { app } from "../../src/app";

describe("routing", () => {
  // Hono's SmartRouter silently falls back to its trie router when one route is ambiguous for the
  // compiled regular expression (e.g. a static `/v1/cot/batch` beside `/v1/cot/{session_id}/verify`);
  // the fallback costs every request of the API a slower match.
  it("resolves every route through the compiled regular-expression router", async () => {
    await app.request("/health");
    expect((app as unknown as { router: { name: string } }).router.name).toBe("SmartRouter + RegExpRouter");
  });
});
