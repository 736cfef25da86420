/**
 * `count_matches(table, n, area)` of sha256.wasm: a batch of messages hashed four at a time, one per lane
 * of 128-bit SIMD (the same rounds as scalar.ts, on i32x4 vectors), each digest compared with its stored
 * hash. `table` holds n records of four u32: message offset, message length, offset of the stored hex
 * hash, result (written: 1 if equal, else 0). `area` is free memory for the padded copies of the messages
 * (at most the messages' total length plus 136 bytes each). Returns how many matched.
 *
 * Messages of different lengths share a group of four: each lane stops taking its state updates (a
 * bit-select mask) once its own blocks are done, while the longest one finishes.
 */
import { Code, I32, op, simd, uleb, V128, VOID } from "./wasm-code.ts";
import { IV, K } from "./constants.ts";

const LANES = [0, 1, 2, 3] as const;
const BYTE_SWAP_32 = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];

function rotr(c: Code, x: number, n: number) {
  c.get(x).const(n).simd(simd.i32x4ShrU).get(x).const(32 - n).simd(simd.i32x4Shl).simd(simd.or);
}

function sigma(c: Code, x: number, r1: number, r2: number, s: number, shift: boolean) {
  rotr(c, x, r1);
  rotr(c, x, r2);
  c.simd(simd.xor);
  if (shift) c.get(x).const(s).simd(simd.i32x4ShrU);
  else rotr(c, x, s);
  c.simd(simd.xor);
}

/** One block of each lane (its address in i32 local addr[j]); lanes whose mask is 0 keep their state. */
function compress4(c: Code, addr: readonly number[], h: number[], v: number[], w: number[], t1: number, mask: number) {
  for (let i = 0; i < 8; i++) c.get(h[i]!).set(v[i]!);
  for (let t = 0; t < 64; t++) {
    const wt = w[t % 16]!;
    if (t < 16) {
      c.get(addr[0]!).simd(simd.load32Splat, 0, ...uleb(4 * t)).set(wt);
      for (const j of [1, 2, 3]) c.get(addr[j]!).get(wt).simd(simd.load32Lane, 0, ...uleb(4 * t), j).set(wt);
      c.get(wt).get(wt).simd(simd.shuffle, ...BYTE_SWAP_32).set(wt);
    } else {
      sigma(c, w[(t - 2) % 16]!, 17, 19, 10, true);
      c.get(w[(t - 7) % 16]!).simd(simd.i32x4Add);
      sigma(c, w[(t - 15) % 16]!, 7, 18, 3, true);
      c.simd(simd.i32x4Add).get(wt).simd(simd.i32x4Add).set(wt);
    }
    const [a, b, cc, d, e, f, g, hh] = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => v[(((k - t) % 8) + 8) % 8]!) as [number, number, number, number, number, number, number, number];
    // t1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t], with Ch = bitselect(f, g, e)
    c.get(hh);
    sigma(c, e, 6, 11, 25, false);
    c.simd(simd.i32x4Add).get(f).get(g).get(e).simd(simd.bitselect).simd(simd.i32x4Add);
    c.v128([K[t]!, K[t]!, K[t]!, K[t]!]).simd(simd.i32x4Add).get(wt).simd(simd.i32x4Add).set(t1);
    // d += t1; h = t1 + Σ0(a) + Maj(a, b, c), with Maj = bitselect(b, a, a ^ c): b where a and c differ, else a
    c.get(d).get(t1).simd(simd.i32x4Add).set(d);
    c.get(t1);
    sigma(c, a, 2, 13, 22, false);
    c.simd(simd.i32x4Add).get(b).get(a).get(a).get(cc).simd(simd.xor).simd(simd.bitselect).simd(simd.i32x4Add).set(hh);
  }
  for (let i = 0; i < 8; i++) c.get(h[i]!).get(v[i]!).simd(simd.i32x4Add).get(h[i]!).get(mask).simd(simd.bitselect).set(h[i]!);
}

/** Stores local `value` big-endian at (local `at`). */
function storeBigEndian(c: Code, at: number, value: number) {
  c.get(at);
  c.get(value).const(8).op(op.i32Rotl).const(0x00ff00ff).op(op.i32And).get(value).const(8).op(op.i32Rotr).const(0xff00ff00 | 0).op(op.i32And).op(op.i32Or);
  c.mem(op.i32Store, 0, 0);
}

/** count_matches(table, n, area) -> i32; `hexEqualsIndex` is hex_equals(w0..w7, hex) (scalar.ts). */
export function countMatchesFunction(hexEqualsIndex: number): number[] {
  const c = new Code(3);
  const [table, n, area] = [0, 1, 2];
  const end = c.local(I32), r = c.local(I32), cursor = c.local(I32), len = c.local(I32), padded = c.local(I32), tmp = c.local(I32);
  const last = c.local(I32), block = c.local(I32), blocks = c.local(I32), matched = c.local(I32), ok = c.local(I32);
  const rec = LANES.map(() => c.local(I32)), base = LANES.map(() => c.local(I32)), count = LANES.map(() => c.local(I32)), addr = LANES.map(() => c.local(I32));
  const h = IV.map(() => c.local(V128)), v = IV.map(() => c.local(V128)), w = Array.from({ length: 16 }, () => c.local(V128));
  const t1 = c.local(V128), counts = c.local(V128), mask = c.local(V128);

  c.get(table).get(n).const(4).op(op.i32Shl).op(op.i32Add).tee(end).const(16).op(op.i32Sub).set(last);

  // 1. Each message copied to `area`, 64-byte aligned, padded (0x80, zeros, the bit length big-endian);
  //    its record then holds the copy's offset and its number of blocks.
  c.get(area).const(63).op(op.i32Add).const(~63).op(op.i32And).set(cursor);
  c.get(table).set(r);
  c.op(op.block, VOID, op.loop, VOID);
  c.get(r).get(end).op(op.i32GeU, op.brIf, 1);
  c.get(r).mem(op.i32Load, 2, 4).tee(len).const(72).op(op.i32Add).const(~63).op(op.i32And).set(padded);
  c.get(cursor).get(r).mem(op.i32Load, 2, 0).get(len).op(0xfc, 10, 0, 0); // memory.copy
  c.get(cursor).get(len).op(op.i32Add).tee(tmp).const(0).get(padded).get(len).op(op.i32Sub).op(0xfc, 11, 0); // memory.fill
  c.get(tmp).const(0x80).mem(op.i32Store8, 0, 0);
  c.get(cursor).get(padded).op(op.i32Add).const(8).op(op.i32Sub).set(tmp);
  c.get(len).const(29).op(op.i32ShrU).set(ok); // ok is free until the second phase
  storeBigEndian(c, tmp, ok);
  c.get(tmp).const(4).op(op.i32Add).set(tmp);
  c.get(len).const(3).op(op.i32Shl).set(ok);
  storeBigEndian(c, tmp, ok);
  c.get(r).get(cursor).mem(op.i32Store, 2, 0);
  c.get(r).get(padded).const(6).op(op.i32ShrU).mem(op.i32Store, 2, 4);
  c.get(cursor).get(padded).op(op.i32Add).set(cursor);
  c.get(r).const(16).op(op.i32Add).set(r).op(op.br, 0);
  c.op(op.end, op.end);

  // 2. Four records at a time (a short last group repeats the last record in its spare lanes).
  c.get(table).set(r);
  c.op(op.block, VOID, op.loop, VOID);
  c.get(r).get(end).op(op.i32GeU, op.brIf, 1);
  for (const j of LANES) {
    c.get(r).const(16 * j).op(op.i32Add).tee(tmp).get(last).get(tmp).get(end).op(op.i32LtU, op.select).tee(rec[j]!);
    c.mem(op.i32Load, 2, 0).set(base[j]!);
    c.get(rec[j]!).mem(op.i32Load, 2, 4).set(count[j]!);
  }
  c.get(count[0]!).set(blocks);
  for (const j of [1, 2, 3]) c.get(count[j]!).get(blocks).get(count[j]!).get(blocks).op(op.i32GtU, op.select).set(blocks);
  c.get(count[0]!).simd(simd.i32x4Splat);
  for (const j of [1, 2, 3]) c.get(count[j]!).simd(simd.i32x4ReplaceLane, j);
  c.set(counts);
  IV.forEach((x, i) => c.v128([x, x, x, x]).set(h[i]!));
  c.const(0).set(block);
  c.op(op.block, VOID, op.loop, VOID);
  c.get(block).get(blocks).op(op.i32GeU, op.brIf, 1);
  // A lane past its own blocks re-reads its last one (its result is masked out).
  for (const j of LANES) {
    c.get(base[j]!).get(block).get(count[j]!).const(1).op(op.i32Sub).get(block).get(count[j]!).op(op.i32LtU, op.select);
    c.const(6).op(op.i32Shl).op(op.i32Add).set(addr[j]!);
  }
  c.get(counts).get(block).simd(simd.i32x4Splat).simd(simd.i32x4GtU).set(mask);
  compress4(c, addr, h, v, w, t1, mask);
  c.get(block).const(1).op(op.i32Add).set(block).op(op.br, 0);
  c.op(op.end, op.end);
  for (const j of LANES) {
    c.get(r).const(16 * j).op(op.i32Add).get(end).op(op.i32LtU, op.if, VOID);
    for (let i = 0; i < 8; i++) c.get(h[i]!).simd(simd.i32x4ExtractLane, j);
    c.get(rec[j]!).mem(op.i32Load, 2, 8).op(op.call, hexEqualsIndex).set(ok);
    c.get(rec[j]!).get(ok).mem(op.i32Store, 2, 12);
    c.get(matched).get(ok).op(op.i32Add).set(matched);
    c.op(op.end);
  }
  c.get(r).const(64).op(op.i32Add).set(r).op(op.br, 0);
  c.op(op.end, op.end);
  c.get(matched);
  return c.body();
}
