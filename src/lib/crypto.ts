import { createHash } from "node:crypto";

const encoder = new TextEncoder();

/** SHA-256 as lowercase hex, synchronously (node:crypto, BoringSSL inside workerd): no await per key or step. */
export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * Compares two secrets without leaking where they differ. Both sides are hashed first so that the
 * comparison also takes the same time whatever their lengths.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  return digestsEqual(sha256Hex(presented), sha256Hex(expected));
}

/** Constant-time equality of two hex digests of the same algorithm (so of the same length). */
export function digestsEqual(a: string, b: string): boolean {
  return a.length === b.length && crypto.subtle.timingSafeEqual(encoder.encode(a), encoder.encode(b));
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` characters of base62 with no modulo bias. */
export function randomToken(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length))) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}
