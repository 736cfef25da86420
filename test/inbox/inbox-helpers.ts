import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { api } from "../helpers";

export type Agent = { agentId: string; key: string };

/** Sends a direct message from `from` to `to`; returns the API response. */
export const send = (from: Agent, to: string, body: unknown, type?: string, headers?: Record<string, string>) =>
  api("POST", `/v1/inbox/${to}/messages`, { key: from.key, body: type === undefined ? { body } : { type, body }, headers });

/** Polls `agent`'s inbox with its own key and the given query string. */
export const poll = (agent: Agent, query = "") => api("GET", `/v1/inbox/${agent.agentId}${query ? `?${query}` : ""}`, { key: agent.key });

export const ack = (agent: Agent, itemIds: string[]) => api("POST", `/v1/inbox/${agent.agentId}/ack`, { key: agent.key, body: { item_ids: itemIds } });

export const agentStub = (agentId: string) => env.AGENT.get(env.AGENT.idFromName(agentId));

/** How many items the inbox holds undelivered and in history, read straight from its object's SQLite. */
export async function inboxCounts(agentId: string): Promise<{ pending: number; history: number }> {
  return runInDurableObject(agentStub(agentId), (_instance, state) => ({
    pending: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM inbox_pending").one().n,
    history: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM inbox_history").one().n,
  }));
}

/** Sends `n` messages (bodies `{ i }`) one after another; returns their item ids in order. */
export async function sendMany(from: Agent, to: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await send(from, to, { i })).body.item_id);
  return ids;
}

/**
 * Puts `count` waiting messages (ids `msg_<label>00001`…) straight into an inbox's SQLite, faster than
 * sending them; call it before the object first counts its inbox (that count is then cached).
 */
export async function fillInbox(agentId: string, count: number, label: string): Promise<void> {
  await runInDurableObject(agentStub(agentId), (_instance, state) => {
    state.storage.sql.exec(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO inbox_pending (item_id, kind, created_at, payload)
       SELECT printf('msg_%s%05d', ?, i), 'message', '2026-11-21T10:30:00.000Z', '{"from_agent_id":"x","type":"fill","body":null}' FROM n`,
      count,
      label,
    );
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
