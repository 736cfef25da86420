import { env } from "cloudflare:workers";
import { api, newAgent, uniqueId } from "../helpers";

export const CONCEPT = "customer segment insights: churn, lifetime value and revenue by customer segment";
export const MATCHING = "Customer segment 'enterprise' has 42% higher lifetime value than the mid-market segment.";
export const UNRELATED = "The office coffee machine on floor three is being repaired on Tuesday.";

export async function createTrigger(key: string, body: Record<string, unknown>) {
  const res = await api("POST", "/v1/triggers", { key, body });
  if (res.status !== 201) throw new Error(`trigger not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { trigger_id: string; name: string };
}

/** A coordinator, a writer and a target agent, and a namespace of their own. */
export async function cast() {
  const [coordinator, writer, target] = await Promise.all([newAgent(), newAgent(), newAgent()]);
  return { coordinator, writer, target, ns: uniqueId("kb") };
}

export async function store(key: string, agentId: string, content: string) {
  const res = await api("POST", "/v1/memory", { key, body: { agent_id: agentId, content } });
  if (res.status !== 201) throw new Error(`store failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { memory_id: string };
}

/** Waits until `probe` returns something truthy (work after the response runs in the background). */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 10_000, label = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const firingsOf = async (triggerId: string) =>
  (await env.DB.prepare("SELECT * FROM _trigger_firings WHERE trigger_id = ? ORDER BY created_at").bind(triggerId).all<Record<string, unknown>>()).results;

/** Everything in the agent's inbox now (polled, so delivered). */
export async function drainInbox(key: string, agentId: string) {
  const res = await api("GET", `/v1/inbox/${agentId}?limit=100`, { key });
  if (res.status !== 200) throw new Error(`poll failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items as Array<Record<string, unknown>>;
}

export const tableCounts = async () => {
  const row = await env.DB.prepare(
    "SELECT (SELECT COUNT(*) FROM _triggers) AS triggers, (SELECT COUNT(*) FROM _trigger_vectors) AS vectors, (SELECT COUNT(*) FROM _trigger_secrets) AS secrets, (SELECT version FROM _trigger_version) AS version",
  ).first<{ triggers: number; vectors: number; secrets: number; version: number }>();
  return row!;
};
