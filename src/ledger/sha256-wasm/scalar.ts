/**
 * The one-message functions of sha256.wasm: `digest` (the hex SHA-256 of one byte range), `matches`
 * (whether it equals a stored hex hash) and `hex_equals` (the hex of eight state words against a stored
 * hash, for the four-lane function in simd.ts). The compression is unrolled straight-line code on locals:
 * the 64 rounds rename a..h instead of moving them, the message schedule is a rolling window of 16 locals
 * and the round constants are immediates.
 */
import { Code, op, VOID } from "./wasm-code.ts";
import { HEX_OUT, IV, K, TAIL } from "./constants.ts";

/** Pushes σ/Σ of local x: rotr(x, r1) ^ rotr(x, r2) ^ (shift ? x >>> s : rotr(x, s)). */
function sigma(c: Code, x: number, r1: number, r2: number, s: number, shift: boolean) {
  c.get(x).const(r1).op(op.i32Rotr).get(x).const(r2).op(op.i32Rotr).op(op.i32Xor);
  c.get(x).const(s).op(shift ? op.i32ShrU : op.i32Rotr).op(op.i32Xor);
}

/** Pushes bswap(local x) = (rotl(x, 8) & 0x00ff00ff) | (rotr(x, 8) & 0xff00ff00). */
function byteSwap(c: Code, x: number) {
  c.get(x).const(8).op(op.i32Rotl).const(0x00ff00ff).op(op.i32And).get(x).const(8).op(op.i32Rotr).const(0xff00ff00 | 0).op(op.i32And).op(op.i32Or);
}

/** The 64 rounds on the 64-byte block at local `ptr`, adding into the state locals `h`. */
function compress(c: Code, ptr: number, h: number[], v: number[], w: number[], t1: number) {
  for (let i = 0; i < 8; i++) c.get(h[i]!).set(v[i]!);
  for (let t = 0; t < 64; t++) {
    const wt = w[t % 16]!;
    if (t < 16) {
      c.get(ptr).mem(op.i32Load, 0, 4 * t).set(wt);
      byteSwap(c, wt);
      c.set(wt);
    } else {
      sigma(c, w[(t - 2) % 16]!, 17, 19, 10, true);
      c.get(w[(t - 7) % 16]!).op(op.i32Add);
      sigma(c, w[(t - 15) % 16]!, 7, 18, 3, true);
      c.op(op.i32Add).get(wt).op(op.i32Add).set(wt);
    }
    // Renaming instead of shifting: at round t, a..h are v[(0-t) mod 8] .. v[(7-t) mod 8].
    const [a, b, cc, d, e, f, g, hh] = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => v[(((k - t) % 8) + 8) % 8]!) as [number, number, number, number, number, number, number, number];
    // t1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t], with Ch = g ^ (e & (f ^ g))
    c.get(hh);
    sigma(c, e, 6, 11, 25, false);
    c.op(op.i32Add).get(g).get(e).get(f).get(g).op(op.i32Xor).op(op.i32And).op(op.i32Xor).op(op.i32Add);
    c.const(K[t]! | 0).op(op.i32Add).get(wt).op(op.i32Add).set(t1);
    // d += t1; h = t1 + Σ0(a) + Maj(a, b, c), with Maj = (a & b) | (c & (a | b))
    c.get(d).get(t1).op(op.i32Add).set(d);
    c.get(t1);
    sigma(c, a, 2, 13, 22, false);
    c.op(op.i32Add).get(a).get(b).op(op.i32And).get(cc).get(a).get(b).op(op.i32Or).op(op.i32And).op(op.i32Or).op(op.i32Add).set(hh);
  }
  for (let i = 0; i < 8; i++) c.get(h[i]!).get(v[i]!).op(op.i32Add).set(h[i]!);
}

/** Writes the 64 lowercase hex digits of the eight word locals at (local `out`): nibble n is '0' + n, or 'a' + n - 10. */
export function writeHex(c: Code, words: number[], out: number, nibble: number) {
  words.forEach((word, k) => {
    for (let j = 0; j < 8; j++) {
      c.get(out).get(word).const(28 - 4 * j).op(op.i32ShrU).const(15).op(op.i32And).tee(nibble).const(87).op(op.i32Add);
      c.get(nibble).const(48).op(op.i32Add).get(nibble).const(9).op(op.i32GtU, op.select).mem(op.i32Store8, 0, 8 * k + j);
    }
  });
}

/** Pushes 1 if the 64 bytes at HEX_OUT equal the 64 bytes at (local `hex`), else 0. */
function compareHex(c: Code, hex: number) {
  for (let i = 0; i < 8; i++) {
    c.const(HEX_OUT).mem(op.i64Load, 0, 8 * i).get(hex).mem(op.i64Load, 0, 8 * i).op(op.i64Xor);
    if (i > 0) c.op(op.i64Or);
  }
  c.op(op.i64Eqz);
}

/** Stores local `value` big-endian at (local `base`) + offset; offset may be negative. */
function storeBigEndian(c: Code, base: number, offset: number, value: number) {
  c.get(base).const(offset).op(op.i32Add);
  byteSwap(c, value);
  c.mem(op.i32Store, 0, 0);
}

/** digest(off, len, out). */
export function digestFunction(): number[] {
  const c = new Code(3);
  const [off, len, out] = [0, 1, 2];
  const h = IV.map(() => c.local());
  const v = IV.map(() => c.local());
  const w = Array.from({ length: 16 }, () => c.local());
  const t1 = c.local(), ptr = c.local(), end = c.local(), tail = c.local(), rem = c.local();
  IV.forEach((x, i) => c.const(x | 0).set(h[i]!));
  // Whole blocks straight from the input, then the padded tail (one or two blocks) from scratch.
  c.get(off).tee(ptr).get(len).const(~63).op(op.i32And).op(op.i32Add).set(end);
  c.const(0).set(tail);
  c.op(op.block, VOID, op.loop, VOID);
  c.get(ptr).get(end).op(op.i32GeU, op.if, VOID);
  c.get(tail).op(op.brIf, 2); // the tail is done too: leave
  // rem = len & 63; zero the scratch blocks, copy the rest of the message, append 0x80 and the bit length.
  c.get(len).const(63).op(op.i32And).set(rem);
  c.const(TAIL).const(0).const(128).op(0xfc, 11, 0); // memory.fill
  c.const(TAIL).get(end).get(rem).op(0xfc, 10, 0, 0); // memory.copy
  c.get(rem).const(0x80).mem(op.i32Store8, 0, TAIL);
  c.const(TAIL + 64).const(TAIL + 128).get(rem).const(56).op(op.i32LtU, op.select).set(tail); // end of the padded tail
  c.get(len).const(29).op(op.i32ShrU).set(rem); // the bit length's high word (rem is free again)
  storeBigEndian(c, tail, -8, rem);
  c.get(len).const(3).op(op.i32Shl).set(rem);
  storeBigEndian(c, tail, -4, rem);
  c.get(tail).set(end).const(TAIL).set(ptr);
  c.op(op.end); // if
  compress(c, ptr, h, v, w, t1);
  c.get(ptr).const(64).op(op.i32Add).set(ptr).op(op.br, 0);
  c.op(op.end, op.end); // loop, block
  writeHex(c, h, out, rem);
  return c.body();
}

/** matches(off, len, hex) -> i32, calling `digest` (function `digestIndex`). */
export function matchesFunction(digestIndex: number): number[] {
  const c = new Code(3);
  c.get(0).get(1).const(HEX_OUT).op(op.call, digestIndex);
  compareHex(c, 2);
  return c.body();
}

/** hex_equals(w0..w7, hex) -> i32: the hex of the eight words, written at HEX_OUT, against the 64 bytes at hex. */
export function hexEqualsFunction(): number[] {
  const c = new Code(9);
  const out = c.local(), nibble = c.local();
  c.const(HEX_OUT).set(out);
  writeHex(c, [0, 1, 2, 3, 4, 5, 6, 7], out, nibble);
  compareHex(c, 8);
  return c.body();
}
