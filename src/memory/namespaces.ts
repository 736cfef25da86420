import { inArray } from "drizzle-orm";
import type { Resource } from "../authz/actions";
import type { Principal } from "../authz/principal";
import type { Database } from "../db/client";
import { agents } from "../db/schema";

/**
 * The resource `memory:<namespace>` for each namespace. A namespace named after an agent is that
 * agent's private namespace (its owner); any other name is shared and governed by policy.
 */
export async function namespaceResources(db: Database, principal: Principal, namespaces: string[]): Promise<Resource[]> {
  const others = namespaces.filter((ns) => ns !== principal.agentId);
  const owned = new Set<string>();
  if (others.length) {
    const rows = await db.select({ agentId: agents.agentId }).from(agents).where(inArray(agents.agentId, others));
    for (const row of rows) owned.add(row.agentId);
  }
  return namespaces.map((ns) => ({
    type: "memory",
    id: ns,
    ...(ns === principal.agentId || owned.has(ns) ? { owner: ns } : {}),
  }));
}
