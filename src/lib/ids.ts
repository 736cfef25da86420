// Ids sort by creation time (a 48-bit millisecond prefix, Crockford base32) and carry 80 random bits,
// so they are unguessable and page in creation order.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

let lastTime = 0;
let lastRandom: Uint8Array = new Uint8Array(10);

function encodeTime(ms: number): string {
  let out = "";
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

// Random bytes are drawn a pool at a time: one call into the runtime serves a hundred ids.
let pool: Uint8Array = new Uint8Array(0);
let used = 0;

function randomBytes(count: number): Uint8Array {
  if (used + count > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(1024));
    used = 0;
  }
  used += count;
  return pool.slice(used - count, used);
}

/** Within one millisecond the random part counts up, so ids made in a burst keep their order. */
function nextRandom(now: number): Uint8Array {
  if (now === lastTime) {
    const next = lastRandom.slice();
    for (let i = next.length - 1; i >= 0; i--) {
      next[i] = (next[i]! + 1) & 0xff;
      if (next[i] !== 0) break;
    }
    lastRandom = next;
  } else {
    lastTime = now;
    lastRandom = randomBytes(10);
  }
  return lastRandom;
}

export type IdPrefix = "mem" | "trg" | "ntf" | "msg" | "br" | "key" | "aud" | "den" | "req" | "dlv" | "run" | "tsk" | "evt" | "pol" | "ab" | "spn" | "dry" | "tdc" | "grv";

export function newId(prefix: IdPrefix): string {
  const now = Date.now();
  return `${prefix}_${encodeTime(now)}${encodeRandom(nextRandom(now))}`;
}
