import { sha256Hex } from "../lib/crypto";
import { type CanonicalStep, canonicalStep } from "./canonical";

/**
 * The hash of a step: SHA-256 of its canonical serialisation (canonical.ts), one text at a time, for
 * appends and to confirm any mismatch verification finds. Verification itself hashes whole pages with
 * src/ledger/sha256-wasm, several times cheaper per step (test/ledger/sha256.test.ts prints the figures).
 */
export const stepHash = (step: CanonicalStep): string => sha256Hex(canonicalStep(step));
