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

/** The exact text that is hashed. Built by hand in key order: faster than sorting keys per step. */
export function canonicalStep(s: CanonicalStep): string {
  return (
    `{"agent_id":${JSON.stringify(s.agent_id)}` +
    `,"content":${JSON.stringify(s.content)}` +
    `,"importance":"${s.importance.toFixed(6)}"` +
    `,"input_data":${JSON.stringify(s.input_data)}` +
    `,"logged_at":${JSON.stringify(s.logged_at)}` +
    `,"metadata":${JSON.stringify(s.metadata)}` +
    `,"output_data":${JSON.stringify(s.output_data)}` +
    `,"prev_hash":${JSON.stringify(s.prev_hash)}` +
    `,"session_id":${JSON.stringify(s.session_id)}` +
    `,"step_index":${s.step_index}` +
    `,"step_type":${JSON.stringify(s.step_type)}}`
  );
}

/** Importance is kept to the six decimals it is hashed with, so the stored number and the hash agree. */
export const roundImportance = (x: number) => Math.round(x * 1e6) / 1e6;
