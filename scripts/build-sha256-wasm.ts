/**
 * Writes src/ledger/sha256-wasm/sha256.wasm from its assembler (src/ledger/sha256-wasm/assemble.ts).
 * Run after changing the assembler: `scripts/with-node.sh node --experimental-strip-types scripts/build-sha256-wasm.ts`;
 * test/e2e/sha256-wasm-build.test.ts fails while the committed file and the assembler disagree.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256WasmBytes } from "../src/ledger/sha256-wasm/assemble.ts";

const target = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "ledger", "sha256-wasm", "sha256.wasm");
const bytes = sha256WasmBytes();
writeFileSync(target, bytes);
console.log(`wrote ${target} (${bytes.length} bytes)`);
