import { createHash } from "node:crypto";
import { type CanonicalStep, canonicalStep } from "./canonical";

/**
 * The hash of a step. node:crypto's synchronous `createHash` (BoringSSL inside workerd) measured
 * fastest per step in workerd: ~6 µs per ~500-byte step against ~12 µs for `crypto.subtle.digest`
 * (a promise per call) and ~7 µs for a plain-JS SHA-256 (test/ledger/sha256.test.ts prints them).
 */
export const stepHash = (step: CanonicalStep): string => createHash("sha256").update(canonicalStep(step)).digest("hex");
