import type { PolicySet } from "../policy/policy-set";
import { policiesReach } from "../policy/policy-reach";
import type { DecisionContext } from "../policy/policy-rule";
import { type Visibilities, type Visibility, rowPredicate, sqlName, sqlString } from "../sql/row-filter";
import { RESOURCE_KINDS, type ResourceKind, type ResourceKindName, type RowOwner, kindsOf, rowOwner } from "../sql/row-rules";
import { may } from "./may";
import { type Principal, isAdminToken } from "./principal";

/** Ids of one kind listed for one table, at most: beyond them rows stay hidden (the rule fails closed). */
export const MAX_LISTED_IDS = 10_000;

/**
 * For each protected table a statement reads: the predicate its rows must meet for this caller, or null
 * when the caller may see them all. The decision is the policy engine's (`may`, as `authorize` decides):
 * - where no policy can reach a kind of resource for this caller (policy-reach.ts), every id gets the
 *   role default, which is written as its ownership rule (own namespace, namespaces of no agent): no
 *   database read, and no id that appears a moment later is ever misjudged;
 * - otherwise the ids that occur in the table are listed (one D1 batch for the whole statement) and each
 *   is decided; ids that appear after the listing stay hidden until the next statement.
 */
export async function readablePredicates(
  db: D1Database,
  principal: Principal,
  policies: PolicySet,
  tables: readonly string[],
  context: DecisionContext,
): Promise<Map<string, string | null>> {
  const predicates = new Map<string, string | null>();
  if (isAdminToken(principal)) {
    for (const table of tables) predicates.set(table, null);
    return predicates;
  }
  const subject = { agent_id: principal.agentId, role: principal.role };
  const settled = new Map<ResourceKindName, Visibility>();
  const listings: { table: string; owner: RowOwner; kind: ResourceKindName }[] = [];
  for (const table of new Set(tables)) {
    const owner = rowOwner(table);
    if (!owner) continue;
    for (const kind of kindsOf(owner)) {
      const { action, type } = RESOURCE_KINDS[kind];
      if (policiesReach(policies, subject, action, type)) listings.push({ table, owner, kind });
      else if (!settled.has(kind)) settled.set(kind, byOwnership(principal, policies, kind, context));
    }
  }
  const listed = await listIds(db, listings);
  for (const table of new Set(tables)) {
    const owner = rowOwner(table);
    if (!owner) continue;
    const visibilities = new Map<ResourceKindName, Visibility>(settled);
    for (const [i, listing] of listings.entries()) {
      if (listing.table !== table) continue;
      const { action, type } = RESOURCE_KINDS[listing.kind];
      const byName = ownedByName(listing.kind);
      const only = (listed[i] ?? [])
        .filter(({ id, owned }) => may(policies, principal, action, { type, id, ...(byName && owned ? { owner: id } : {}) }, context))
        .map(({ id }) => id);
      visibilities.set(listing.kind, { only });
    }
    predicates.set(table, rowPredicate(owner, visibilities as Visibilities));
  }
  return predicates;
}

/** The role default for every id of a kind, as the engine answers it when no policy takes part. */
function byOwnership(principal: Principal, policies: PolicySet, kind: ResourceKindName, context: DecisionContext): Visibility {
  const { action, type } = RESOURCE_KINDS[kind];
  // Any id will do: no policy can match one (policiesReach), so only ownership can change the answer.
  const probe = (owner: string | undefined) => may(policies, principal, action, { type, id: "-", ...(owner === undefined ? {} : { owner }) }, context);
  const unowned = probe(undefined);
  if (!ownedByName(kind)) return unowned ? { all: true } : { none: true };
  const mine = probe(principal.agentId);
  const others = probe(`${principal.agentId}\u0000other`);
  if (mine && unowned && others) return { all: true };
  if (!mine && !unowned && !others) return { none: true };
  return { owned: { me: principal.agentId, mine, unowned, others } };
}

const ownedByName = (kind: ResourceKindName) => (RESOURCE_KINDS[kind] as ResourceKind).ownedByAgentOfSameName === true;

interface ListedId {
  id: string;
  owned: boolean;
}

const OWNED = (x: string) => `EXISTS (SELECT 1 FROM main."_agents" WHERE "agent_id" = ${x})`;

/** The ids of each (table, kind) that occur, with whether an agent of that id exists: one D1 batch. */
async function listIds(db: D1Database, listings: readonly { table: string; owner: RowOwner; kind: ResourceKindName }[]): Promise<ListedId[][]> {
  if (listings.length === 0) return [];
  const statements = listings.map(({ table, owner, kind }) => db.prepare(listingSql(table, owner, kind)));
  const results = await db.batch<{ id: string; owned: number }>(statements);
  return results.map((r) => r.results.filter((row) => typeof row.id === "string").map((row) => ({ id: row.id, owned: row.owned === 1 })));
}

/**
 * The distinct ids in a column, skipping through its index (one seek per distinct id, not a scan of the
 * rows): the first id, then the least one greater than the last, until none is left.
 */
function listingSql(table: string, owner: RowOwner, kind: ResourceKindName): string {
  const t = `main.${sqlName(table)}`;
  const c = sqlName(owner.column);
  if ("ids" in owner)
    return `SELECT DISTINCT j.value AS id, ${OWNED("j.value")} AS owned FROM ${t} AS r, json_each(r.${c}) AS j WHERE r.${c} IS NOT NULL AND j.type = 'text' LIMIT ${MAX_LISTED_IDS}`;
  const prefix = "names" in owner ? `${RESOURCE_KINDS[kind].type}:` : "";
  // ';' follows ':' in ASCII: [prefix, upper) is every name that starts with the prefix.
  const upper = prefix ? `${prefix.slice(0, -1)};` : undefined;
  const within = (x: string) => (upper === undefined ? "" : ` AND ${x} < ${sqlString(upper)}`);
  const start = prefix ? `${c} >= ${sqlString(prefix)}${within(c)}` : `${c} IS NOT NULL`;
  const id = prefix ? `substr(x, ${prefix.length + 1})` : "x";
  return (
    `WITH RECURSIVE v(x) AS (SELECT (SELECT min(${c}) FROM ${t} WHERE ${start}) ` +
    `UNION ALL SELECT (SELECT min(${c}) FROM ${t} WHERE ${c} > v.x${within(c)}) FROM v WHERE v.x IS NOT NULL LIMIT ${MAX_LISTED_IDS + 1}) ` +
    `SELECT ${id} AS id, ${OWNED(id)} AS owned FROM v WHERE x IS NOT NULL LIMIT ${MAX_LISTED_IDS}`
  );
}
