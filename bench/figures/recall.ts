/**
 * Issue "Shared memory": recall@5 of keyword, vector and hybrid search over the labelled retrieval set
 * (test/fixtures/retrieval-set.ts). Every memory (distractors too) is stored in a fresh namespace; each
 * question is asked in each mode with top_k 5; a hit is the question's own memory in the top 5.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { agentWithKey, type BenchContext } from "../lib/context.ts";
import { expectJson } from "../lib/http.ts";
import { loadRetrievalSet, type RetrievalItem } from "../lib/fixture.ts";
import { runPool } from "../lib/pool.ts";
import type { RecallReport } from "../lib/report.ts";

const RECALL_AGENT = "bench-recall";
export const FIXTURE = "test/fixtures/retrieval-set.ts";
const MODES = ["keyword", "vector", "hybrid"] as const;
const BUDGET_SECONDS = 300;

/** The API takes flat metadata (string, number, boolean, null); anything nested is sent as JSON text. */
function flatMetadata(metadata: Record<string, unknown> | undefined): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(metadata ?? {})) {
    out[k] = v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : JSON.stringify(v);
  }
  return out;
}

export async function benchRecall(ctx: BenchContext): Promise<RecallReport> {
  const path = join(ctx.root, FIXTURE);
  if (!existsSync(path)) return { status: "pending", reason: `${FIXTURE} does not exist yet.` };
  let items: RetrievalItem[];
  try {
    items = await loadRetrievalSet(path);
  } catch (err) {
    return { status: "pending", reason: `${FIXTURE} could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
  const questions = items.flatMap((item) => item.questions.map((question) => ({ id: item.id, question })));
  if (questions.length === 0) return { status: "pending", reason: `${FIXTURE} has no questions yet.` };

  const key = await agentWithKey(ctx, RECALL_AGENT);
  const deadline = Date.now() + BUDGET_SECONDS * 1000;
  const memoryIds = new Map<string, string>();
  console.log(`recall: storing ${items.length} memories of ${FIXTURE}, then ${questions.length} questions × ${MODES.length} modes`);
  const stored = await runPool(0, items.length, 4, deadline, async (i) => {
    const item = items[i]!;
    const memory = await expectJson<{ memory_id: string }>(
      {
        method: "POST",
        url: `${ctx.api}/v1/memory`,
        key,
        body: JSON.stringify({
          agent_id: RECALL_AGENT,
          content: item.content,
          metadata: { ...flatMetadata(item.metadata), fixture_id: item.id },
          ...(item.memory_type ? { memory_type: item.memory_type } : {}),
          ...(item.importance !== undefined ? { importance: item.importance } : {}),
        }),
      },
      201,
    );
    memoryIds.set(item.id, memory.memory_id);
  }, undefined, 0);
  if (stored.done !== items.length) throw new Error(`recall: stored ${stored.done} of ${items.length} memories within ${BUDGET_SECONDS} s`);

  const hits = { keyword: 0, vector: 0, hybrid: 0 };
  const missedByHybrid: string[] = [];
  for (const { id, question } of questions) {
    if (Date.now() > deadline) throw new Error(`recall: ran past its ${BUDGET_SECONDS} s budget`);
    for (const mode of MODES) {
      const answer = await expectJson<{ results: { memory_id: string }[] }>({
        method: "POST",
        url: `${ctx.api}/v1/memory/search`,
        key,
        body: JSON.stringify({ agent_id: RECALL_AGENT, query: question, top_k: 5, mode }),
      });
      const hit = answer.results.slice(0, 5).some((r) => r.memory_id === memoryIds.get(id));
      if (hit) hits[mode]++;
      else if (mode === "hybrid") missedByHybrid.push(id);
    }
  }
  const recall = { keyword: hits.keyword / questions.length, vector: hits.vector / questions.length, hybrid: hits.hybrid / questions.length };
  return {
    status: "measured",
    fixture: FIXTURE,
    memories: items.length,
    questions: questions.length,
    distractors: items.filter((i) => i.questions.length === 0).length,
    recall,
    hybridBeatsBoth: recall.hybrid > recall.keyword && recall.hybrid > recall.vector,
    missedByHybrid: [...new Set(missedByHybrid)],
  };
}
