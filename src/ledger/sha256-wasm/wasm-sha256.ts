import { SCRATCH_BYTES } from "./constants";
import sha256Module from "./sha256.wasm";

/** What sha256.wasm exports (assemble.ts documents each). */
interface Sha256Exports {
  memory: WebAssembly.Memory;
  digest(off: number, len: number, out: number): void;
  matches(off: number, len: number, hex: number): number;
  count_matches(table: number, n: number, area: number): number;
}

const PAGE = 65_536;
/** A batch is encoded and hashed in slices of about this many UTF-16 units, so memory stays bounded whatever the batch. */
const SLICE_CHARS = 1 << 20;
/** One record of count_matches' table: off, len, hex, result (u32 each). */
const RECORD = 16;
/** Where a text goes: above the module's scratch, the stored hash first, the text right after it. */
const INPUT = SCRATCH_BYTES;
const HEX = 64;

const encoder = new TextEncoder();
let wasm: Sha256Exports | undefined;
/** A view of memory from INPUT on; replaced when the memory grows (growing detaches the old buffer). */
let input = new Uint8Array(0);

/** Room for `bytes` bytes from INPUT on (a text takes at most 3 UTF-8 bytes per UTF-16 unit). */
function reserve(bytes: number): { exports: Sha256Exports; view: Uint8Array } {
  wasm ??= new WebAssembly.Instance(sha256Module).exports as unknown as Sha256Exports;
  if (input.length < bytes) {
    const { memory } = wasm;
    const missing = INPUT + bytes - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
    input = new Uint8Array(memory.buffer, INPUT);
  }
  return { exports: wasm, view: input };
}

/**
 * Whether `hash` is the lowercase hex SHA-256 of `text`'s UTF-8 bytes, in one call into WebAssembly: the
 * hash and the text are encoded together straight into its memory, hashed and compared there.
 */
export function sha256Matches(text: string, hash: string): boolean {
  if (typeof hash !== "string" || hash.length !== HEX) return false;
  const { exports, view } = reserve(HEX + text.length * 3);
  const { written } = encoder.encodeInto(hash + text, view);
  // A hash with non-ASCII in it takes more than 64 bytes and can never equal a hex digest: the compare of
  // the first 64 bytes fails, whatever the text's slice then is.
  return exports.matches(INPUT + HEX, written - HEX, INPUT) === 1;
}

/** The lowercase hex SHA-256 of `text`'s UTF-8 bytes (the tests compare it with node:crypto). */
export function sha256HexWasm(text: string): string {
  const { exports, view } = reserve(HEX + text.length * 3);
  const { written } = encoder.encodeInto(text, view.subarray(HEX));
  exports.digest(INPUT + HEX, written, INPUT);
  return String.fromCharCode(...view.subarray(0, HEX));
}

/**
 * The indexes i (ascending) for which `hashes[i]` is not the SHA-256 hex of `texts[i]`. A slice of texts
 * at a time is encoded into WebAssembly memory, each after its stored hash, in one encode (a slice with
 * non-ASCII text in it, whose byte offsets differ from its string offsets, text by text), then hashed
 * four lanes at a time and compared, in one call.
 */
export function sha256Mismatches(texts: readonly string[], hashes: readonly string[]): number[] {
  const mismatches: number[] = [];
  let from = 0;
  while (from < texts.length) {
    let to = from;
    let chars = 0;
    while (to < texts.length && (to === from || chars < SLICE_CHARS)) chars += HEX + texts[to++]!.length;
    checkSlice(texts, hashes, from, to, chars, mismatches);
    from = to;
  }
  return mismatches.sort((a, b) => a - b);
}

function checkSlice(texts: readonly string[], hashes: readonly string[], from: number, to: number, chars: number, mismatches: number[]): void {
  // Memory from INPUT: the table (a record per text with a well-formed hash), the hashes and texts as
  // UTF-8, then the padded copies count_matches makes (each text plus at most 136 bytes).
  const count = to - from;
  const tableBytes = count * RECORD;
  const { exports, view } = reserve(tableBytes + chars * 6 + count * 136 + 64);
  const table = new Uint32Array(view.buffer, INPUT, count * 4);
  const checked: number[] = [];
  let joined = "";
  for (let i = from; i < to; i++) {
    // A hash of another type or length (an edited row) cannot match: no need to hash its text.
    if (typeof hashes[i] !== "string" || hashes[i]!.length !== HEX) mismatches.push(i);
    else {
      checked.push(i);
      joined += hashes[i]! + texts[i]!;
    }
  }
  let at = tableBytes;
  const { read, written } = encoder.encodeInto(joined, view.subarray(at));
  if (read === written) {
    // All ASCII: byte offsets are string offsets.
    checked.forEach((i, r) => {
      table[r * 4] = INPUT + at + HEX;
      table[r * 4 + 1] = texts[i]!.length;
      table[r * 4 + 2] = INPUT + at;
      at += HEX + texts[i]!.length;
    });
  } else {
    // Some text is not ASCII: encode each on its own to learn where it ends. A 64-character hash that is
    // not ASCII takes more than 64 bytes and never equals a hex digest, so the split cannot matter then.
    checked.forEach((i, r) => {
      const { written: bytes } = encoder.encodeInto(hashes[i]! + texts[i]!, view.subarray(at));
      table[r * 4] = INPUT + at + HEX;
      table[r * 4 + 1] = bytes - HEX;
      table[r * 4 + 2] = INPUT + at;
      at += bytes;
    });
  }
  if (exports.count_matches(INPUT, checked.length, INPUT + at) === checked.length) return;
  checked.forEach((i, r) => {
    if (table[r * 4 + 3] !== 1) mismatches.push(i);
  });
}
