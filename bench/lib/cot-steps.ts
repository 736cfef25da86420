/**
 * The chain-of-thought steps the bench logs, shared by the figure (which sends them through the API) and
 * the floor Worker (which hashes the same canonical bytes in a bare loop). About 500 bytes canonical.
 */
const TYPES = ["observation", "hypothesis", "analysis", "decision", "action", "reflection"] as const;

export const COT_BENCH_AGENT = "bench-cot";

export function benchStep(i: number) {
  return {
    step_type: TYPES[i % TYPES.length]!,
    content: `Step ${i}: compared invoice INV-${20_000 + (i % 5000)} with the ledger; the totals differ by ${i % 97} cents, so the VAT rounding is checked next.`,
    input_data: { invoice: `INV-${20_000 + (i % 5000)}`, lines: [1, 2, 3], currency: "EUR" },
    output_data: i % 3 === 0 ? { matched: i % 2 === 0, delta_cents: i % 97 } : undefined,
    importance: (i % 10) / 10,
    metadata: { model: "m-1", tokens: 300 + (i % 200) },
  };
}
