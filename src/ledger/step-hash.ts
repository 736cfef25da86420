/// <reference path="./node-crypto.d.ts" />
import { createHash } from "node:crypto";
import { type CanonicalStep, canonicalStep } from "./canonical";

/**
 * SHA-256 as lowercase hex, one text at a time: node:crypto's synchronous `createHash` (BoringSSL inside
 * workerd), for appends (a hash per step) and to confirm any mismatch verification finds. Verification
 * itself hashes whole pages with src/ledger/sha256-wasm, several times cheaper per step than a call here
 * (test/ledger/sha256.test.ts prints the figures).
 */
export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The hash of a step: SHA-256 of its canonical serialisation (canonical.ts). */
export const stepHash = (step: CanonicalStep): string => sha256Hex(canonicalStep(step));
