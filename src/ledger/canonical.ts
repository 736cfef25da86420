/**
 * The ledger's canonical serialisation, the one thing anyone recomputing a chain must reproduce
 * (docs/cot.md says it in words, with snippets in Node and Python):
 *
 *   hash = lowercase hex SHA-256 of the UTF-8 bytes of
 *   {"agent_id":…,"content":…,"importance":…,"input_data":…,"logged_at":…,"metadata":…,
 *    "output_data":…,"prev_hash":…,"session_id":…,"step_index":…,"step_type":…}
 *
 * keys in that (sorted) order, no whitespace, strings escaped as JSON.stringify escapes them. Every
 * value is a JSON string except `step_index` (a JSON integer) and an absent JSON field (`null`):
 * - `input_data`, `output_data`, `metadata` are the JSON *texts* exactly as stored in `_cot`, not
 *   re-serialised values, so no language has to agree with JavaScript on key order or number format;
 * - `importance` is its value with exactly six decimals (`"0.500000"`), the precision it is stored at:
 *   `x.toFixed(6)` in JavaScript, `f"{x:.6f}"` in Python, `%.6f` in C give the same text, whereas
 *   shortest number forms differ between languages (`1` vs `1.0`, `1e-7` vs `1e-07`).
 */
export const GENESIS_HASH = "0".repeat(64);

export interface CanonicalStep {
  session_id: string;
  step_index: number;
  agent_id: string;
  step_type: string;
  content: string;
  /** JSON text as stored, or null. */
  input_data: string | null;
  output_data: string | null;
  metadata: string | null;
  importance: number;
  logged_at: string;
  prev_hash: string;
}

/**
 * The exact text that is hashed: JSON.stringify of an object whose keys are in canonical order, which
 * writes each value as JSON.stringify writes it alone (test/ledger/canonical.node.test.ts holds it to the
 * pair-by-pair form with fast-check). One flat string, where building it pair by pair makes a rope of 22
 * pieces that costs more to encode and hash (measured: ~40% less time per page of verified steps). A
 * step_index that is no finite number (only a row edited in the database) is written `null`, which can
 * never equal an appended step's integer: the edit is found either way.
 */
export function canonicalStep(s: CanonicalStep): string {
  return JSON.stringify({
    agent_id: s.agent_id,
    content: s.content,
    importance: s.importance.toFixed(6),
    input_data: s.input_data,
    logged_at: s.logged_at,
    metadata: s.metadata,
    output_data: s.output_data,
    prev_hash: s.prev_hash,
    session_id: s.session_id,
    step_index: s.step_index,
    step_type: s.step_type,
  });
}

/** Importance is kept to the six decimals it is hashed with, so the stored number and the hash agree. */
export const roundImportance = (x: number) => Math.round(x * 1e6) / 1e6;
