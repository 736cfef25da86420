import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256HexWasm, sha256Matches, sha256Mismatches } from "../../src/ledger/sha256-wasm/wasm-sha256";

const nodeHex = (text: string) => createHash("sha256").update(text).digest("hex");

/** Texts of every kind: any code point (lone surrogates included), ASCII, and lengths around the 64-byte block edges. */
const anyText = fc.string({ unit: "binary", maxLength: 300 });
const asciiText = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 1500 });
const edgeText = fc
  .tuple(fc.constantFrom(0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 447, 448, 511, 512, 513), fc.constantFrom("a", "é", "😀", "\u0000"))
  .map(([n, c]) => c.repeat(n));
const text = fc.oneof(anyText, asciiText, edgeText);

/** A stored hash as verification may meet it: right, one hex digit off, upper case, too short, non-ASCII, empty. */
const storedHash = (t: string) =>
  fc.constantFrom("right", "digit", "upper", "short", "non-ascii", "empty").map((kind) => {
    const h = nodeHex(t);
    switch (kind) {
      case "digit":
        return h.slice(0, 40) + (h[40] === "0" ? "1" : "0") + h.slice(41);
      case "upper":
        return /[a-f]/.test(h) ? h.toUpperCase() : h.slice(0, 63) + "x";
      case "short":
        return h.slice(0, 63);
      case "non-ascii":
        return "é" + h.slice(1);
      case "empty":
        return "";
      default:
        return h;
    }
  });

describe("the ledger's WebAssembly SHA-256 (src/ledger/sha256-wasm)", () => {
  it("agrees with node:crypto on any text, at every block edge, in one and in many blocks", () => {
    fc.assert(fc.property(text, (t) => sha256HexWasm(t) === nodeHex(t)), { numRuns: 500 });
    for (let n = 0; n <= 200; n++) expect(sha256HexWasm("x".repeat(n)), `length ${n}`).toBe(nodeHex("x".repeat(n)));
    expect(sha256HexWasm("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256HexWasm("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("says whether a stored hash is the text's, one text at a time", () => {
    fc.assert(fc.property(text.chain((t) => fc.tuple(fc.constant(t), storedHash(t))), ([t, h]) => sha256Matches(t, h) === (nodeHex(t) === h)), { numRuns: 300 });
  });

  it("finds exactly the texts whose stored hash is wrong, in batches of any size, four lanes at a time", () => {
    const pair = text.chain((t) => fc.tuple(fc.constant(t), storedHash(t)));
    fc.assert(
      fc.property(fc.array(pair, { minLength: 0, maxLength: 23 }), (pairs) => {
        const texts = pairs.map(([t]) => t);
        const hashes = pairs.map(([, h]) => h);
        const expected = pairs.flatMap(([t, h], i) => (nodeHex(t) === h ? [] : [i]));
        expect(sha256Mismatches(texts, hashes)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("counts a stored hash of another type (an edited row) as a mismatch, without hashing it", () => {
    const texts = ["a", "b", "c"];
    const hashes = [nodeHex("a"), null, [1, 2, 3]] as unknown as string[];
    expect(sha256Mismatches(texts, hashes)).toEqual([1, 2]);
    expect(sha256Matches("b", null as unknown as string)).toBe(false);
  });

  it("hashes ASCII batches through the one-encode path and mixed ones text by text, with the same answers", () => {
    const ascii = Array.from({ length: 9 }, (_, i) => `{"step":${i},"content":"${"v".repeat(i * 37)}"}`);
    const mixed = ascii.map((t, i) => (i % 3 === 0 ? `${t}✓` : t));
    for (const texts of [ascii, mixed]) {
      const hashes = texts.map(nodeHex);
      hashes[4] = hashes[5]!;
      expect(sha256Mismatches(texts, hashes)).toEqual([4]);
    }
  });

  it("works through a batch larger than one slice, and a text larger than the memory it had, growing it", () => {
    const big = Array.from({ length: 5 }, (_, i) => String.fromCharCode(97 + i).repeat(400_000 + i));
    const hashes = big.map(nodeHex);
    expect(sha256Mismatches(big, hashes)).toEqual([]);
    hashes[3] = hashes[2]!;
    expect(sha256Mismatches(big, hashes)).toEqual([3]);
    const huge = "日本語".repeat(400_000);
    expect(sha256HexWasm(huge)).toBe(nodeHex(huge));
    expect(sha256Mismatches([huge, "a"], [nodeHex(huge), nodeHex("b")])).toEqual([1]);
  });
});
