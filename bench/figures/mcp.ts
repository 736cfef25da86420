/**
 * Issue 18 (MCP): a tool call costs what the REST call it stands for costs, plus the protocol. Each MCP
 * series is sent as HatiData's client sends it (a bare `tools/call`, `Authorization: ApiKey`, no Accept)
 * and measured interleaved with the same operation over REST: store_memory against POST /v1/memory,
 * get_agent_state against GET /v1/state. Goal: p50 ≤ 1.3× the REST call's.
 */
import { agentWithKey, type BenchContext } from "../lib/context.ts";
import { HttpError, timedRequest } from "../lib/http.ts";
import { prng } from "../lib/prng.ts";
import type { Row } from "../lib/report.ts";
import { generateMemory } from "../lib/sentences.ts";
import { measureGroup } from "../lib/series.ts";
import { ratio, type Summary } from "../lib/stats.ts";

const AGENT = "bench-mcp";
const KEYS = 100;
const GOAL = 1.3;

export type McpFigures = { rows: Row[]; diagnosis: string[] };

/** One tools/call, timed until the whole answer is read; a JSON-RPC error or an error result fails it. */
async function timedToolCall(url: string, key: string, body: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `ApiKey ${key}`, "content-type": "application/json" },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  const answer = JSON.parse(text) as { result?: { isError?: boolean } };
  if (!res.ok || !answer.result || answer.result.isError) throw new HttpError("POST", url, res.status, text);
  return ms;
}

const toolCall = (id: number, name: string, args: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

export async function benchMcp(ctx: BenchContext): Promise<McpFigures> {
  const { api, config } = ctx;
  const key = await agentWithKey(ctx, AGENT);
  const random = prng(0x3c9);
  const total = config.warmup + config.requests + 1;
  const memories = Array.from({ length: total }, (_, i) => generateMemory(random, i));
  const restStores = memories.map((m) => JSON.stringify({ agent_id: AGENT, ...m }));
  const mcpStores = memories.map((m, i) => toolCall(i, "store_memory", m));
  const stateKey = (i: number) => `handoff-${i % KEYS}`;
  const mcpGets = Array.from({ length: KEYS }, (_, i) => toolCall(i, "get_agent_state", { key: stateKey(i) }));

  // Every key exists before anything reads it.
  for (let i = 0; i < KEYS; i++)
    await timedRequest({ method: "PUT", url: `${api}/v1/state/${AGENT}/${stateKey(i)}`, key, body: JSON.stringify({ value: { step: i, owner: AGENT, notes: "read back over MCP and REST" } }) });

  console.log("mcp: tools/call vs the same REST call");
  const group = await measureGroup(
    [
      { name: "mcpStore", run: (i) => timedToolCall(`${api}/mcp`, key, mcpStores[i % total]!) },
      { name: "restStore", run: (i) => timedRequest({ method: "POST", url: `${api}/v1/memory`, key, body: restStores[i % total] }) },
      { name: "mcpGet", run: (i) => timedToolCall(`${api}/mcp`, key, mcpGets[i % KEYS]!) },
      { name: "restGet", run: (i) => timedRequest({ method: "GET", url: `${api}/v1/state/${AGENT}/${stateKey(i)}`, key }) },
    ],
    { label: "mcp", warmup: config.warmup, requests: config.requests, rounds: config.rounds, budgetSeconds: Math.max(config.groupBudgetSeconds, 240) },
  );
  const s = (name: string): Summary => group.results.get(name)!.summary;
  if (group.truncated) ctx.notes.push(`The MCP group hit its time budget; fewer than ${config.requests} requests were measured per series.`);
  for (const r of group.results.values()) if (r.errors) ctx.notes.push(`mcp ${r.name}: ${r.errors} failed requests (first: ${r.firstError}).`);

  const rows: Row[] = [
    {
      issue: "MCP",
      figure: "MCP tools/call store_memory",
      value: s("mcpStore"),
      floorName: "POST /v1/memory",
      floor: s("restStore"),
      goal: `p50 ≤ ${GOAL}× REST`,
      pass: ratio(s("mcpStore").p50, s("restStore").p50) <= GOAL,
      note: "floor is the same store over REST, measured interleaved in the same run.",
    },
    {
      issue: "MCP",
      figure: "MCP tools/call get_agent_state",
      value: s("mcpGet"),
      floorName: "GET /v1/state/{agent}/{key}",
      floor: s("restGet"),
      goal: `p50 ≤ ${GOAL}× REST`,
      pass: ratio(s("mcpGet").p50, s("restGet").p50) <= GOAL,
      note: "floor is the same read over REST, measured interleaved in the same run.",
    },
  ];
  const p = (x: number) => `${x.toFixed(2)} ms`;
  const diagnosis = [
    `MCP adds, at p50, ${p(s("mcpStore").p50 - s("restStore").p50)} to a memory store and ${p(s("mcpGet").p50 - s("restGet").p50)} to a state read: ` +
      "parsing the JSON-RPC body, a per-request MCP server with every tool registered, validating the arguments, and the in-process dispatch " +
      "to the REST route (which authenticates nothing again: the caller travels with the request).",
  ];
  return { rows, diagnosis };
}
