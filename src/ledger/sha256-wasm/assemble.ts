/**
 * Assembles the ledger's WebAssembly SHA-256 (FIPS 180-4): `sha256.wasm` next to this file is exactly
 * what `sha256WasmBytes()` returns (scripts/build-sha256-wasm.ts writes it; test/e2e/sha256-wasm-build.test.ts
 * checks that the two agree, test/ledger/wasm-sha256.test.ts checks the module against node:crypto).
 * Workers may not compile WebAssembly at run time, so the module ships prebuilt. The assembler's imports
 * name their `.ts` files because the build script runs it under Node's type stripping.
 *
 * Why our own: verification hashes tens of thousands of ~500-byte texts in a row, and a node:crypto or
 * WebCrypto call per step costs more in crossing into C++ (a Hash object, a string conversion, a hex
 * string or a promise) than the hashing itself. Here a whole page of steps is hashed four at a time in
 * SIMD lanes and compared with the stored hashes in one call, without leaving WebAssembly.
 *
 * Exports `memory` and (addresses are byte offsets into `memory`; bytes [0, SCRATCH_BYTES) are scratch):
 * - `digest(off, len, out)`: writes the lowercase hex SHA-256 of bytes [off, off+len) at out (64 bytes);
 * - `matches(off, len, hex)`: 1 if that digest equals the 64 bytes at hex, else 0;
 * - `count_matches(table, n, area)`: a batch, four lanes at a time (simd.ts documents it).
 */
import { countMatchesFunction } from "./simd.ts";
import { digestFunction, hexEqualsFunction, matchesFunction } from "./scalar.ts";
import { I32, name, section, uleb, vec } from "./wasm-code.ts";

const FUNC = 0x60;
const i32s = (n: number) => vec(Array.from({ length: n }, () => [I32]));

/** The whole module, deterministic: the same bytes on every call. */
export function sha256WasmBytes(): Uint8Array {
  // Function i has type i: digest, matches, hex_equals, count_matches.
  const types = vec([
    [FUNC, ...i32s(3), ...i32s(0)],
    [FUNC, ...i32s(3), ...i32s(1)],
    [FUNC, ...i32s(9), ...i32s(1)],
    [FUNC, ...i32s(3), ...i32s(1)],
  ]);
  const code = vec([digestFunction(), matchesFunction(0), hexEqualsFunction(), countMatchesFunction(2)]);
  const exports = vec([
    [...name("memory"), 0x02, 0],
    [...name("digest"), 0x00, 0],
    [...name("matches"), 0x00, 1],
    [...name("count_matches"), 0x00, 3],
  ]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(3, vec([[0], [1], [2], [3]])),
    ...section(5, vec([[0x00, ...uleb(1)]])), // memory: one 64 KiB page to start; JavaScript grows it
    ...section(7, exports),
    ...section(10, code),
  ]);
}
