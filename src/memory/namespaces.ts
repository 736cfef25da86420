import { inArray, sql } from "drizzle-orm";
import type { Resource } from "../authz/actions";
import type { Principal } from "../authz/principal";
import type { Database } from "../db/client";
import { agents } from "../db/schema";

/**
 * The resource `memory:<namespace>`. A namespace named after an agent is that agent's private namespace
 * (its owner); any other name is shared and governed by policy.
 */
export const namespaceResource = (namespace: string, owned: boolean): Resource => ({
  type: "memory",
  id: namespace,
  ...(owned ? { owner: namespace } : {}),
});

/** The resource for each namespace, as the caller's authorisation sees it. */
export async function namespaceResources(db: Database, principal: Principal, namespaces: string[]): Promise<Resource[]> {
  const others = namespaces.filter((ns) => ns !== principal.agentId);
  const owned = new Set<string>();
  if (others.length) {
    const rows = await db.select({ agentId: agents.agentId }).from(agents).where(inArray(agents.agentId, others));
    for (const row of rows) owned.add(row.agentId);
  }
  return namespaces.map((ns) => namespaceResource(ns, ns === principal.agentId || owned.has(ns)));
}

/** Which of these namespaces are agents' private ones (however many: one JSON value, not one binding each). */
export async function privateNamespaces(db: Database, namespaces: readonly string[]): Promise<Set<string>> {
  if (namespaces.length === 0) return new Set();
  const rows = await db
    .select({ agentId: agents.agentId })
    .from(agents)
    .where(sql`${agents.agentId} IN (SELECT value FROM json_each(${JSON.stringify([...new Set(namespaces)])}))`);
  return new Set(rows.map((r) => r.agentId));
}
