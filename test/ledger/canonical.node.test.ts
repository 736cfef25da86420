import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CanonicalStep, canonicalStep } from "../../src/ledger/canonical";

/** The canonical text written pair by pair in key order, as docs/cot.md spells it: the reference form. */
function canonicalStepByHand(s: CanonicalStep): string {
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
    `,"step_index":${JSON.stringify(s.step_index)}` +
    `,"step_type":${JSON.stringify(s.step_type)}}`
  );
}

/** Strings that stress JSON escaping: quotes, backslashes, control characters, lone surrogates, the pair separator. */
const tricky = fc.constantFrom('"', "\\", '\\"', "\u0000", "\u001f", "\u007f", "\u2028", "\ud800", "\udfff", "😀", '},{"agent_id":', "null", "");
const anyString = fc.oneof(fc.string({ unit: "binary", maxLength: 80 }), tricky, fc.array(tricky, { maxLength: 6 }).map((a) => a.join("")));
const jsonText = fc.option(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), anyString), { nil: null });

const step: fc.Arbitrary<CanonicalStep> = fc.record({
  session_id: anyString,
  step_index: fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer(), fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0)),
  agent_id: anyString,
  step_type: anyString,
  content: anyString,
  input_data: jsonText,
  output_data: jsonText,
  metadata: jsonText,
  importance: fc.oneof(fc.double({ min: 0, max: 1 }), fc.double()),
  logged_at: anyString,
  prev_hash: anyString,
});

describe("the canonical serialisation", () => {
  it("is the same text whether built as one JSON.stringify of an ordered object or pair by pair", () => {
    fc.assert(fc.property(step, (s) => canonicalStep(s) === canonicalStepByHand(s)), { numRuns: 2000 });
  });

  it("is the documented form: keys in order, no whitespace, importance as six decimals, JSON texts as strings", () => {
    const text = canonicalStep({
      session_id: "s-1",
      step_index: 3,
      agent_id: "planner",
      step_type: "decision",
      content: 'Say "yes"',
      input_data: '{"a":1}',
      output_data: null,
      metadata: "{}",
      importance: 0.5,
      logged_at: "2026-11-21T10:30:00.000Z",
      prev_hash: "0".repeat(64),
    });
    expect(text).toBe(
      `{"agent_id":"planner","content":"Say \\"yes\\"","importance":"0.500000","input_data":"{\\"a\\":1}","logged_at":"2026-11-21T10:30:00.000Z",` +
        `"metadata":"{}","output_data":null,"prev_hash":"${"0".repeat(64)}","session_id":"s-1","step_index":3,"step_type":"decision"}`,
    );
  });
});
