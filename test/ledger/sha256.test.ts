import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, canonicalStep } from "../../src/ledger/canonical";
import { sha256HexSync } from "./js-sha256";

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const subtleHex = async (text: string) => hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));

const step = (i: number, prev: string) =>
  canonicalStep({
    session_id: "sess-bench",
    step_index: i,
    agent_id: "planner",
    step_type: "analysis",
    content: `Step ${i}: the invoice totals disagree with the ledger by 3 line items; checking the VAT rounding next.`,
    input_data: '{"invoice":"INV-20931","lines":[1,2,3]}',
    output_data: null,
    metadata: '{"model":"m-1","tokens":412}',
    importance: 0.5,
    logged_at: "2026-11-21T10:30:00.000Z",
    prev_hash: prev,
  });

describe("SHA-256 for the ledger", () => {
  it("agrees with WebCrypto and node:crypto on empty, block-edge, multi-byte and long inputs", async () => {
    const inputs = ["", "abc", "a".repeat(55), "a".repeat(56), "a".repeat(63), "a".repeat(64), "a".repeat(119), "日本語 ✓ \u0000 é 😀".repeat(40), "x".repeat(100_000)];
    for (const text of inputs) {
      const expected = await subtleHex(text);
      expect(sha256HexSync(text), JSON.stringify(text.slice(0, 20))).toBe(expected);
      expect(createHash("sha256").update(text).digest("hex")).toBe(expected);
    }
  });

  it("measures the per-step cost of each implementation in workerd (the fastest is the ledger's)", async () => {
    const n = 20_000;
    const time = async (name: string, run: () => Promise<string> | string) => {
      const started = performance.now();
      await run();
      const ms = performance.now() - started;
      console.log(`sha256 ${name}: ${((ms * 1000) / n).toFixed(2)} µs/step, ${Math.round(n / (ms / 1000))} steps/s`);
      return ms;
    };
    const chain = (hash: (t: string) => string) => () => {
      let prev = GENESIS_HASH;
      for (let i = 0; i < n; i++) prev = hash(step(i, prev));
      return prev;
    };
    const sync = chain(sha256HexSync);
    const node = chain((t) => createHash("sha256").update(t).digest("hex"));
    const subtle = async () => {
      let prev = GENESIS_HASH;
      for (let i = 0; i < n; i++) prev = await subtleHex(step(i, prev));
      return prev;
    };
    await time("warm-up", sync);
    await time("warm-up node", node);
    await time("warm-up subtle", subtle);
    const results = { sync: await time("sync JS", sync), node: await time("node:crypto", node), subtle: await time("crypto.subtle", subtle) };
    expect(sync()).toBe(await subtle());
    expect(Object.values(results).every((ms) => ms > 0)).toBe(true);
  });
});
