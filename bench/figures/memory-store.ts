/**
 * Issue "Shared memory": storing a memory (POST /v1/memory: embed, index, row + keyword entry, audit)
 * against agent state set (PUT /v1/state), measured interleaved in the same run.
 */
import { agentWithKey, type BenchContext } from "../lib/context.ts";
import { request, timedRequest } from "../lib/http.ts";
import { prng } from "../lib/prng.ts";
import type { Row } from "../lib/report.ts";
import { generateMemory } from "../lib/sentences.ts";
import { measureGroup } from "../lib/series.ts";
import { ratio } from "../lib/stats.ts";

export const STORE_AGENT = "bench-store";

export type MemoryProbe = { available: true; key: string } | { available: false; reason: string };

/** Whether the memory routes answer yet (they are being written alongside this bench). */
export async function probeMemory(ctx: BenchContext): Promise<MemoryProbe> {
  const key = await agentWithKey(ctx, STORE_AGENT);
  const res = await request<{ error?: { message?: string } }>({
    method: "POST",
    url: `${ctx.api}/v1/memory`,
    key,
    body: JSON.stringify({ agent_id: STORE_AGENT, content: "The bench checks that the memory routes answer." }),
  });
  if (res.status === 201) return { available: true, key };
  const message = res.json?.error?.message ?? JSON.stringify(res.json);
  return { available: false, reason: `POST /v1/memory answered ${res.status} (${message})` };
}

export async function benchMemoryStore(ctx: BenchContext, storeKey: string, stateKey: string, stateAgent: string): Promise<Row> {
  const { api, config } = ctx;
  const random = prng(0x57023);
  const total = config.warmup + config.requests + 1;
  const bodies = Array.from({ length: total }, (_, i) => JSON.stringify({ agent_id: STORE_AGENT, ...generateMemory(random, i) }));
  const setBody = JSON.stringify({ value: { task: "bench", step: 1, notes: "paired with memory store" } });

  console.log("memory: store vs state set");
  const group = await measureGroup(
    [
      { name: "store", run: (i) => timedRequest({ method: "POST", url: `${api}/v1/memory`, key: storeKey, body: bodies[i % total] }) },
      { name: "set", run: (i) => timedRequest({ method: "PUT", url: `${api}/v1/state/${stateAgent}/paired-${i % 100}`, key: stateKey, body: setBody }) },
    ],
    { label: "memory store", warmup: config.warmup, requests: config.requests, rounds: config.rounds, budgetSeconds: Math.max(config.groupBudgetSeconds, 180) },
  );
  const store = group.results.get("store")!;
  const set = group.results.get("set")!;
  if (group.truncated) ctx.notes.push("The memory-store group hit its time budget; fewer requests were measured.");
  for (const r of [store, set]) if (r.errors) ctx.notes.push(`memory store group, ${r.name}: ${r.errors} failed requests (first: ${r.firstError}).`);
  return {
    issue: "Shared memory",
    figure: "memory store (POST /v1/memory)",
    value: store.summary,
    floorName: "state set",
    floor: set.summary,
    goal: "p50 ≤ 3× state set",
    pass: ratio(store.summary.p50, set.summary.p50) <= 3,
    note: "floor here is PUT /v1/state (full API) measured interleaved with the stores in the same run.",
  };
}
