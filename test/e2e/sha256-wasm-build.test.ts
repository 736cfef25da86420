// In Node rather than workerd, because only here can a test read the committed file (and compile WebAssembly
// from bytes): src/ledger/sha256-wasm/sha256.wasm must be exactly what its assembler writes, so the module
// the Worker ships is the reviewed source and not a stale or hand-edited binary.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sha256WasmBytes } from "../../src/ledger/sha256-wasm/assemble.ts";

const committed = () => new Uint8Array(readFileSync(new URL("../../src/ledger/sha256-wasm/sha256.wasm", import.meta.url)));

describe("src/ledger/sha256-wasm/sha256.wasm", () => {
  it("is byte for byte what the assembler writes (scripts/build-sha256-wasm.ts rebuilds it)", () => {
    expect(Buffer.from(committed()).equals(Buffer.from(sha256WasmBytes()))).toBe(true);
  });

  it("hashes random bytes of every length up to 1,100 as node:crypto does", () => {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(committed()));
    const { memory, digest } = exports as { memory: WebAssembly.Memory; digest: (off: number, len: number, out: number) => void };
    memory.grow(1);
    for (let len = 0; len <= 1100; len++) {
      const bytes = randomBytes(len);
      new Uint8Array(memory.buffer).set(bytes, 1024);
      digest(1024, len, 256);
      const hex = Buffer.from(new Uint8Array(memory.buffer, 256, 64)).toString("latin1");
      expect(hex, `length ${len}`).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  });
});
