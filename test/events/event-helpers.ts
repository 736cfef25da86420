import { env } from "cloudflare:workers";
import { type ApiResponse, api, count, uniqueId } from "../helpers";
import { ensureVersion, putWorkflow } from "../workflows/workflow-helpers";

export const publish = (body: Record<string, unknown>, key?: string, headers: Record<string, string> = {}) => api("POST", "/v1/events", { key, body, headers });

/** Publishes and expects 202. */
export async function published(body: Record<string, unknown>, key?: string): Promise<{ event_id: string; duplicate: boolean; runs: { run_id: string; workflow: string }[] }> {
  const res = await publish(body, key);
  if (res.status !== 202) throw new Error(`publish: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function registerType(type: string, schema: unknown, description?: string): Promise<ApiResponse> {
  const res = await api("PUT", `/v1/event-types/${type}`, { body: { schema, ...(description ? { description } : {}) } });
  if (res.status !== 200 && res.status !== 201) throw new Error(`register ${type}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

export const eventOf = async (eventId: string) => (await api("GET", `/v1/events/${encodeURIComponent(eventId)}`)).body;
export const runOf = async (runId: string) => (await api("GET", `/v1/runs/${runId}`)).body;

/** The decision an event has for one workflow. */
export async function decisionFor(eventId: string, workflow: string) {
  const event = await eventOf(eventId);
  return (event.decisions as { workflow: string }[]).find((d) => d.workflow === workflow) as Record<string, any> | undefined;
}

/** The runs of a workflow in the registry. */
export const runsOfWorkflow = (workflow: string) => count("SELECT COUNT(*) AS n FROM _runs WHERE workflow = ?", workflow);

/** The tasks of a run waiting in an agent's inbox (polled as admin: they are handed out). */
export async function tasksFor(agentId: string, runId: string) {
  const res = await api("GET", `/v1/inbox/${agentId}?kind=task&limit=100`);
  if (res.status !== 200) throw new Error(`poll ${agentId}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.items as { run_id: string; task_id: string; input: any; agent_id: string }[]).filter((t) => t.run_id === runId);
}

/** Agents with a published version and a key each. */
export async function agentsWithKeys(...prefixes: string[]) {
  return Promise.all(
    prefixes.map(async (prefix) => {
      const agentId = uniqueId(prefix);
      await ensureVersion(agentId, "1.0.0");
      const key = await api("POST", `/v1/agents/${agentId}/keys`);
      return { agentId, key: key.body.api_key as string };
    }),
  );
}

/** PUT a workflow and expect it saved. */
export async function defined(name: string, yaml: string) {
  const res = await putWorkflow(undefined, name, yaml);
  if (res.status !== 201 && res.status !== 200) throw new Error(`workflow ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export const subscriptionsOf = async (workflow: string) =>
  (await env.DB.prepare("SELECT event_type, source, revision, filter FROM _event_subscriptions WHERE workflow = ? ORDER BY source").bind(workflow).all()).results;

export const eventRows = (eventId: string) => count("SELECT COUNT(*) AS n FROM _events WHERE event_id = ?", eventId);

/** Waits until `probe` gives something truthy. */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 10_000, label = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
