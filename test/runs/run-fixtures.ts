import { env } from "cloudflare:workers";
import { inboxObject } from "../../src/inbox/inbox-object";
import { newId } from "../../src/lib/ids";
import { runObject } from "../../src/runs/run-object";
import type { Pattern, WorkflowDefinition } from "../../src/workflows/definition/types";
import { DEFAULT_RUN_LIMITS, type PinnedAgent, type RunInit, type RunLimits } from "../../durable-objects/workflow-run/run-types";

// Runs started straight on their Durable Object, without a saved workflow: the engine's own tests.

export const runStub = (runId: string) => runObject(env, runId);
/** The raw stub, for the test helpers that take one (alarms, eviction). */
export const rawRunStub = (runId: string) => env.WORKFLOW_RUN.get(env.WORKFLOW_RUN.idFromName(runId));
export const agentStub = (agentId: string) => inboxObject(env, agentId);

let counter = 0;
export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export function definition(coordination: Pattern[], extra: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  const names = new Set<string>();
  for (const p of coordination) {
    if (p.pattern === "message-passing") p.flow.forEach((e) => names.add(e.from).add(e.to));
    if (p.pattern === "hierarchical") [p.supervisor, ...p.workers.map((w) => w.name)].forEach((n) => names.add(n));
    if (p.pattern === "event-driven") p.events.forEach((e) => e.agents.forEach((a) => names.add(a)));
    if (p.pattern === "shared-state") p.agents.forEach((a) => names.add(a.name));
  }
  return {
    description: null,
    agents: [...names].map((name) => ({ name, version: "1.0.0" })),
    defaults: { task_timeout_seconds: 300, retries: 1 },
    coordination,
    schemas: {},
    triggers: [],
    guard_rails: null,
    ...extra,
  };
}

export function runInit(def: WorkflowDefinition, options: { input?: RunInit["input"]; limits?: Partial<RunLimits>; agents?: Record<string, Partial<PinnedAgent>> } = {}): RunInit {
  const agents: Record<string, PinnedAgent> = {};
  for (const ref of def.agents) agents[ref.name] = { version: "1.0.0", endpoint: null, output_schema: null, ...options.agents?.[ref.name] };
  return {
    run_id: newId("run"),
    workflow: uniqueName("wf"),
    revision: 1,
    definition: def,
    agents,
    input: options.input ?? { quarter: "Q3" },
    trigger: { type: "manual" },
    started_by: "admin",
    limits: { ...DEFAULT_RUN_LIMITS, ...options.limits },
    branches: {},
  };
}

/** The tasks waiting in an agent's inbox, handed out (so they count as running). */
export async function pollTasks(agentId: string) {
  const items = await agentStub(agentId).poll({ limit: 100, wait_seconds: 0, kind: "task" });
  return items.filter((i) => i.kind === "task");
}

export const admin = { agent_id: "admin", admin: true };
