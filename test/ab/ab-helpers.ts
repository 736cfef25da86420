import { expect } from "vitest";
import { type ApiResponse, api, count, uniqueId } from "../helpers";
import { ensureVersion, putWorkflow, workflowName } from "../workflows/workflow-helpers";

// What the A/B tests' API tests share: an agent with versions and a key, a workflow that uses its
// `latest`, runs started through the API, and a worker that polls and completes their tasks.

export interface TestedAgent {
  agentId: string;
  key: string;
}

/** An agent with these versions published (in order) and a key of its own. */
export async function testedAgent(prefix = "abagent", versions: readonly string[] = ["1.0.0", "1.1.0"]): Promise<TestedAgent> {
  const agentId = uniqueId(prefix);
  for (const v of versions) await ensureVersion(agentId, v);
  const key = await api("POST", `/v1/agents/${agentId}/keys`);
  return { agentId, key: key.body.api_key as string };
}

export const createTest = (body: unknown, key?: string, headers: Record<string, string> = {}) => api("POST", "/v1/ab-tests", { body, key, headers });
export const createTestYaml = (yaml: string, headers: Record<string, string> = {}) =>
  api("POST", "/v1/ab-tests", { raw: yaml, headers: { "content-type": "application/yaml", ...headers } });

/** A test body for the agent's 1.0.0 (a) and 1.1.0 (b), with `extra` on top. */
export const testBody = (agentId: string, extra: Record<string, unknown> = {}) => ({
  agent: agentId,
  versions: { a: "1.0.0", b: "1.1.0" },
  traffic_split: { a: 50, b: 50 },
  metrics: ["success_rate", "avg_duration_ms", "avg_token_usage", "quality_score"],
  ...extra,
});

export async function startedTest(body: unknown): Promise<string> {
  const res = await createTest(body);
  if (res.status !== 201) throw new Error(`A/B test: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.ab_test_id as string;
}

/** A one-agent workflow (shared-state, one key) whose agent is referenced as `ref`. */
export async function workflowOf(agentId: string, ref = "latest"): Promise<string> {
  const name = workflowName("abwf");
  const yaml = `agents:
  - {name: ${agentId}, version: "${ref}"}
coordination:
  pattern: shared-state
  state_store: {type: key-value, conflict_resolution: last-write-wins}
  agents:
    - {name: ${agentId}, writes: [result]}
`;
  const res = await putWorkflow(undefined, name, yaml);
  if (res.status !== 201) throw new Error(`workflow: ${res.status} ${JSON.stringify(res.body)}`);
  return name;
}

export interface StartedRun {
  run_id: string;
  agents: Record<string, string>;
}

/** Starts `n` runs through the API, `concurrency` at a time. */
export async function startRuns(workflow: string, n: number, concurrency = 8): Promise<StartedRun[]> {
  const runs: StartedRun[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const res: ApiResponse = await api("POST", `/v1/workflows/${workflow}/runs`, { body: {} });
      if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
      runs.push(res.body as StartedRun);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return runs;
}

export interface TaskItem {
  task_id: string;
  run_id: string;
  version: string;
  ab?: { ab_test_id: string; arm: "a" | "b" };
}

/** Polls every task waiting for the agent (handing them out), page by page. */
export async function pollAll(agent: TestedAgent): Promise<TaskItem[]> {
  const all: TaskItem[] = [];
  for (;;) {
    const res = await api("GET", `/v1/inbox/${agent.agentId}?kind=task&limit=100`, { key: agent.key });
    expect(res.status).toBe(200);
    const items = res.body.items as TaskItem[];
    all.push(...items);
    if (items.length < 100) return all;
  }
}

export const complete = (agent: TestedAgent, taskId: string, body: Record<string, unknown>) => api("POST", `/v1/tasks/${taskId}/complete`, { key: agent.key, body });
export const rate = (taskId: string, rating: "up" | "down") => api("POST", `/v1/tasks/${taskId}/feedback`, { body: { rating } });

export const getTest = async (id: string) => {
  const res = await api("GET", `/v1/ab-tests/${id}`);
  expect(res.status).toBe(200);
  return res.body;
};

/** Rows a test left behind: the test, its arms, its audit rows. */
export const storedFor = async (agentId: string) => ({
  tests: await count("SELECT COUNT(*) AS n FROM _ab_tests WHERE agent_id = ?", agentId),
  arms: await count("SELECT COUNT(*) AS n FROM _ab_test_arms WHERE ab_test_id IN (SELECT ab_test_id FROM _ab_tests WHERE agent_id = ?)", agentId),
  audit: await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action LIKE 'ab:%' AND details LIKE ?", `%${agentId}%`),
});
