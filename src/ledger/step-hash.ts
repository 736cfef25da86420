/// <reference path="./node-crypto.d.ts" />
import { createHash } from "node:crypto";
import { type CanonicalStep, canonicalStep } from "./canonical";

/**
 * SHA-256 as lowercase hex. node:crypto's synchronous `createHash` (BoringSSL inside workerd) measured
 * fastest per step in workerd: ~6 µs per ~500-byte step against ~12 µs for `crypto.subtle.digest` (a
 * promise per call) and ~7 µs for a plain-JS SHA-256 (test/ledger/sha256.test.ts prints the figures).
 */
export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The hash of a step: SHA-256 of its canonical serialisation (canonical.ts). */
export const stepHash = (step: CanonicalStep): string => sha256Hex(canonicalStep(step));
