import { type ApiResponse, api, count, uniqueId } from "../helpers";
import { SEED_AGENTS } from "./seed-blocks";

/** PUT a definition as YAML (or another content type). */
export const putWorkflow = (key: string | undefined, name: string, text: string, contentType = "application/yaml", headers: Record<string, string> = {}) =>
  api("PUT", `/v1/workflows/${name}`, { key, raw: text, headers: { "content-type": contentType, ...headers } });

/** Registers the agent if needed (the seed's names are fixed, so tests share them). */
export async function ensureAgent(agentId: string): Promise<void> {
  const res = await api("POST", "/v1/agents", { body: { agent_id: agentId } });
  if (res.status !== 201 && res.status !== 409) throw new Error(`agent ${agentId}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Publishes the version (as admin) unless it already is. */
export async function ensureVersion(agentId: string, version: string): Promise<void> {
  await ensureAgent(agentId);
  const res = await api("POST", `/v1/agents/${agentId}/versions`, { body: { version } });
  if (res.status !== 201 && res.status !== 409) throw new Error(`version ${agentId}@${version}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Every agent the seed's blocks name, with versions 1.0.0 and 1.2.0 published. */
export async function seedCatalog(): Promise<void> {
  await Promise.all(SEED_AGENTS.map(async (agent) => {
    await ensureVersion(agent, "1.0.0");
    await ensureVersion(agent, "1.2.0");
  }));
}

/** A workflow name no other test uses. */
export const workflowName = (label = "wf") => uniqueId(label);

export const storedRows = async (name: string) => ({
  workflows: await count("SELECT COUNT(*) AS n FROM _workflows WHERE name = ?", name),
  revisions: await count("SELECT COUNT(*) AS n FROM _workflow_revisions WHERE name = ?", name),
});

export interface Issue {
  path: string;
  line: number | null;
  column: number | null;
  message: string;
}

/** The `details` of a 400 for a definition. */
export function issuesOf(res: ApiResponse): Issue[] {
  if (res.status !== 400 || res.body?.error?.code !== "invalid_request") throw new Error(`expected 400 invalid_request, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.error.details as Issue[];
}

/** Two agents with published versions, for definitions of one's own. */
export async function twoAgents() {
  const a = uniqueId("wa");
  const b = uniqueId("wb");
  await Promise.all([ensureVersion(a, "1.0.0"), ensureVersion(b, "1.0.0")]);
  return { a, b };
}

/** A small, valid hierarchical definition between the two. */
export const hierarchy = (supervisor: string, worker: string, task = "Analyze Q3") => `description: small
agents:
  - {name: ${supervisor}, version: "1.0.0"}
  - {name: ${worker}, version: "1.0.0"}
coordination:
  pattern: hierarchical
  supervisor: ${supervisor}
  workers:
    - {name: ${worker}, task: "${task}"}
`;
