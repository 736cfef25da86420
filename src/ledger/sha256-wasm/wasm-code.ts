/**
 * Just enough of the WebAssembly binary format (core spec 1.0 plus SIMD and bulk memory) to assemble the
 * ledger's SHA-256: LEB128 numbers, sections, and a function body builder with typed locals.
 */
export const op = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, call: 0x10, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i64Load: 0x29, i32Store: 0x36, i32Store8: 0x3a,
  i32Const: 0x41, i32Eqz: 0x45, i32LtU: 0x49, i32GtU: 0x4b, i32GeU: 0x4f, i64Eqz: 0x50,
  i32Add: 0x6a, i32Sub: 0x6b, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73, i32Shl: 0x74, i32ShrU: 0x76, i32Rotl: 0x77, i32Rotr: 0x78,
  i64Or: 0x84, i64Xor: 0x85,
} as const;

/** SIMD instructions (prefix 0xfd, then the opcode as LEB128). */
export const simd = {
  load32Splat: 0x09, const: 0x0c, shuffle: 0x0d, i32x4Splat: 0x11, i32x4ExtractLane: 0x1b, i32x4ReplaceLane: 0x1c,
  i32x4GtU: 0x3c, and: 0x4e, or: 0x50, xor: 0x51, bitselect: 0x52, load32Lane: 0x56,
  i32x4Shl: 0xab, i32x4ShrU: 0xad, i32x4Add: 0xae,
} as const;

export const VOID = 0x40;
export const I32 = 0x7f;
export const V128 = 0x7b;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

export const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
export const name = (s: string) => vec([...s].map((c) => [c.charCodeAt(0)]));

/** A function body under construction: parameters are locals 0..params-1, then the locals it asks for. */
export class Code {
  readonly bytes: number[] = [];
  readonly params: number;
  readonly #locals: number[] = [];
  constructor(params: number) {
    this.params = params;
  }
  local(type: number = I32): number {
    this.#locals.push(type);
    return this.params + this.#locals.length - 1;
  }
  get(i: number) { this.bytes.push(op.localGet, ...uleb(i)); return this; }
  set(i: number) { this.bytes.push(op.localSet, ...uleb(i)); return this; }
  tee(i: number) { this.bytes.push(op.localTee, ...uleb(i)); return this; }
  const(n: number) { this.bytes.push(op.i32Const, ...sleb(n)); return this; }
  op(...codes: number[]) { this.bytes.push(...codes); return this; }
  /** Memory access with its alignment hint (log2 bytes) and a constant offset. */
  mem(code: number, align: number, offset = 0) { this.bytes.push(code, align, ...uleb(offset)); return this; }
  simd(code: number, ...immediates: number[]) { this.bytes.push(0xfd, ...uleb(code), ...immediates); return this; }
  /** v128.const of four i32 lanes, little-endian. */
  v128(lanes: [number, number, number, number]) {
    return this.simd(simd.const, ...lanes.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff]));
  }
  body(): number[] {
    // Locals are declared in runs of one type.
    const runs: number[][] = [];
    for (const type of this.#locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === type) last[0]!++;
      else runs.push([1, type]);
    }
    const code = [...vec(runs.map(([count, type]) => [...uleb(count!), type!])), ...this.bytes, op.end];
    return [...uleb(code.length), ...code];
  }
}
