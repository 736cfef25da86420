import { eq, gt, sql } from "drizzle-orm";
import { auditIfChanged, type AuditEntry } from "../audit/audit-log";
import { ADMIN_PRINCIPAL } from "../authz/principal";
import type { Database } from "../db/client";
import { agentKeys, agents, memories } from "../db/schema";
import { ApiError, notFound } from "../http/errors";
import { page, decodeCursor } from "../lib/cursor";
import { isoNow } from "../lib/time";
import type { Agent, CreateAgent, UpdateAgent } from "./schemas";

type AgentRow = typeof agents.$inferSelect;

export function agentJson(row: AgentRow): Agent {
  return {
    agent_id: row.agentId,
    role: row.role,
    attributes: JSON.parse(row.attributes) as Agent["attributes"],
    description: row.description,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

type Audit = Omit<AuditEntry, "action" | "resource" | "status" | "details">;

/**
 * Ids that name Switchyard's own actors in audit rows: the admin token ('admin'), and the work nobody asked
 * for in a request ('system', 'system:triggers', ...). Compared without case, so that 'ADMIN' cannot pass
 * for the admin token in a supervisor's audit query.
 */
export function reservedAgentIdReason(agentId: string): string | undefined {
  const folded = agentId.toLowerCase();
  if (folded === ADMIN_PRINCIPAL.agentId) return `'${agentId}' is reserved for the admin token (in any case)`;
  if (folded === "system" || folded.startsWith("system:")) return `'${agentId}' is reserved for Switchyard's own work (in any case)`;
  return undefined;
}

export async function createAgent(db: Database, input: Required<Pick<CreateAgent, "agent_id">> & CreateAgent, audit: Audit): Promise<Agent> {
  const reserved = reservedAgentIdReason(input.agent_id);
  if (reserved) throw new ApiError("conflict", `${reserved}; choose another agent_id.`, { reason: "reserved_agent_id" });
  const now = isoNow();
  const row: AgentRow = {
    agentId: input.agent_id,
    role: input.role ?? "agent",
    attributes: JSON.stringify(input.attributes ?? {}),
    description: input.description ?? null,
    createdAt: now,
    updatedAt: now,
  };
  // The insert and its audit row land together or not at all. An agent's id is its private namespace: an id
  // that already names a shared namespace with memories in it is refused in the same statement, so that
  // memories others wrote there never turn into the new agent's private ones (namespace squatting).
  const [inserted] = await db.batch([
    db
      .insert(agents)
      .select(
        sql`SELECT ${row.agentId}, ${row.role}, ${row.attributes}, ${row.description}, ${row.createdAt}, ${row.updatedAt}
             WHERE NOT EXISTS (SELECT 1 FROM ${memories} WHERE ${memories.agentId} = ${row.agentId})`,
      )
      .onConflictDoNothing()
      .returning({ agentId: agents.agentId }),
    auditIfChanged(db, { ...audit, action: "agent:create", resource: `agent:${row.agentId}`, status: "success", details: { role: row.role } }),
  ]);
  if (inserted.length === 0) {
    if (await agentExists(db, row.agentId)) throw new ApiError("conflict", `Agent '${row.agentId}' already exists.`, { reason: "agent_exists" });
    throw new ApiError(
      "conflict",
      `'${row.agentId}' is already a shared memory namespace that others may have written to; an agent's id is its private namespace, so choose another agent_id.`,
      { reason: "namespace_in_use" },
    );
  }
  return agentJson(row);
}

export async function getAgent(db: Database, agentId: string): Promise<Agent> {
  const [row] = await db.select().from(agents).where(eq(agents.agentId, agentId));
  if (!row) throw notFound("Agent", agentId);
  return agentJson(row);
}

export async function agentExists(db: Database, agentId: string): Promise<boolean> {
  const [row] = await db.select({ agentId: agents.agentId }).from(agents).where(eq(agents.agentId, agentId));
  return row !== undefined;
}

export async function listAgents(db: Database, limit: number, cursor?: string) {
  const after = decodeCursor(cursor);
  const rows = await db
    .select()
    .from(agents)
    .where(after === undefined ? undefined : gt(agents.agentId, after))
    .orderBy(agents.agentId)
    .limit(limit + 1);
  const result = page(rows, limit, (r) => r.agentId);
  return { items: result.items.map(agentJson), next_cursor: result.next_cursor };
}

export async function updateAgent(db: Database, agentId: string, patch: UpdateAgent, audit: Audit): Promise<Agent> {
  const set: Partial<AgentRow> = { updatedAt: isoNow() };
  if (patch.role !== undefined) set.role = patch.role;
  if (patch.attributes !== undefined) set.attributes = JSON.stringify(patch.attributes);
  if (patch.description !== undefined) set.description = patch.description;
  const [updated] = await db.batch([
    db.update(agents).set(set).where(eq(agents.agentId, agentId)).returning(),
    auditIfChanged(db, { ...audit, action: "agent:update", resource: `agent:${agentId}`, status: "success", details: { fields: Object.keys(patch) } }),
  ]);
  const row = updated[0];
  if (!row) throw notFound("Agent", agentId);
  return agentJson(row);
}

/** Deletes the agent and its keys in one batch; its state is wiped by the caller (it lives in a Durable Object). */
export async function deleteAgent(db: Database, agentId: string, audit: Audit): Promise<void> {
  const [deleted] = await db.batch([
    db.delete(agents).where(eq(agents.agentId, agentId)).returning({ agentId: agents.agentId }),
    auditIfChanged(db, { ...audit, action: "agent:delete", resource: `agent:${agentId}`, status: "success" }),
    db.delete(agentKeys).where(eq(agentKeys.agentId, agentId)),
  ]);
  if (deleted.length === 0) throw notFound("Agent", agentId);
}
