import { eq, gt, sql } from "drizzle-orm";
import { auditIfChanged, type AuditEntry } from "../audit/audit-log";
import type { Database } from "../db/client";
import { policies, policySet } from "../db/schema";
import { ApiError, notFound } from "../http/errors";
import { decodeCursor, page } from "../lib/cursor";
import { newId } from "../lib/ids";
import { isoNow } from "../lib/time";
import type { PolicyRule } from "./policy-rule";
import type { CreatePolicy, Policy } from "./schemas";

type PolicyRow = typeof policies.$inferSelect;
type Audit = Pick<AuditEntry, "agentId" | "requestId">;

export function policyJson(row: PolicyRow): Policy {
  return {
    policy_id: row.policyId,
    description: row.description,
    effect: row.effect,
    actions: JSON.parse(row.actions) as string[],
    resources: JSON.parse(row.resources) as string[],
    principals: row.principals === null ? null : (JSON.parse(row.principals) as string[]),
    condition: row.condition,
    created_by: row.createdBy,
    created_at: row.createdAt,
  };
}

/**
 * For a `db.batch`, right after a policy change: gives the set a new version only if that statement
 * changed a row (D1 runs a batch in order on one connection, so `changes()` reads the previous statement).
 */
const bumpVersionIfChanged = (db: Database, at: string) =>
  db
    .update(policySet)
    .set({ version: crypto.randomUUID(), changedAt: at })
    .where(sql`${policySet.id} = 1 AND changes() > 0`);

/** The policy, the version bump and the audit row land together or not at all. */
export async function createPolicy(db: Database, input: CreatePolicy, audit: Audit): Promise<Policy> {
  const now = isoNow();
  const row: PolicyRow = {
    policyId: input.policy_id ?? newId("pol"),
    description: input.description ?? null,
    effect: input.effect,
    actions: JSON.stringify(input.actions),
    resources: JSON.stringify(input.resources),
    principals: input.principals == null ? null : JSON.stringify(input.principals),
    condition: input.condition ?? null,
    createdBy: audit.agentId,
    createdAt: now,
  };
  const [inserted] = await db.batch([
    db.insert(policies).values(row).onConflictDoNothing().returning({ policyId: policies.policyId }),
    bumpVersionIfChanged(db, now),
    auditIfChanged(db, { ...audit, action: "policy:create", resource: `policy:${row.policyId}`, status: "success", details: { effect: row.effect } }),
  ]);
  if (inserted.length === 0)
    throw new ApiError("conflict", `Policy '${row.policyId}' already exists; delete it first or choose another policy_id.`);
  return policyJson(row);
}

export async function getPolicy(db: Database, policyId: string): Promise<Policy> {
  const [row] = await db.select().from(policies).where(eq(policies.policyId, policyId));
  if (!row) throw notFound("Policy", policyId);
  return policyJson(row);
}

export async function listPolicies(db: Database, limit: number, cursor?: string) {
  const after = decodeCursor(cursor);
  const rows = await db
    .select()
    .from(policies)
    .where(after === undefined ? undefined : gt(policies.policyId, after))
    .orderBy(policies.policyId)
    .limit(limit + 1);
  const result = page(rows, limit, (r) => r.policyId);
  return { items: result.items.map(policyJson), next_cursor: result.next_cursor };
}

export async function deletePolicy(db: Database, policyId: string, audit: Audit): Promise<void> {
  const [deleted] = await db.batch([
    db.delete(policies).where(eq(policies.policyId, policyId)).returning({ policyId: policies.policyId }),
    bumpVersionIfChanged(db, isoNow()),
    auditIfChanged(db, { ...audit, action: "policy:delete", resource: `policy:${policyId}`, status: "success" }),
  ]);
  if (deleted.length === 0) throw notFound("Policy", policyId);
}

/** Every policy and the version they make up, read together in one batch so the two agree. */
export async function loadPolicyRules(db: Database): Promise<{ version: string; rules: PolicyRule[] }> {
  const [versions, rows] = await db.batch([db.select({ version: policySet.version }).from(policySet).where(eq(policySet.id, 1)), db.select().from(policies)]);
  const rules = rows.map((row): PolicyRule => {
    const p = policyJson(row);
    return { policy_id: p.policy_id, effect: p.effect, actions: p.actions, resources: p.resources, principals: p.principals, condition: p.condition };
  });
  return { version: versions[0]?.version ?? "", rules };
}

/** The version column as a scalar subquery, for authentication to read in its own statement. */
export const policySetVersionColumn = sql<string | null>`(SELECT ${policySet.version} FROM ${policySet} WHERE ${policySet.id} = 1)`;
