import { RESOURCE_KINDS, type ResourceKindName, type RowOwner } from "./row-rules";

// The row rule as SQL text. Pure: what a caller may see comes in (authz/readable-rows.ts decides it),
// a predicate over the owner column comes out, and a protected table becomes a subquery filtered by it.

/**
 * What a caller may read of one kind of resource:
 * - all of it, or none;
 * - by ownership, for kinds whose ids may be agents' private ones (the role default, when no policy can
 *   say otherwise): its own, those of no agent, and (rarely) those of other agents;
 * - an explicit list of the ids that exist and that the policies allow.
 */
export type Visibility =
  | { all: true }
  | { none: true }
  | { owned: { me: string | null; mine: boolean; unowned: boolean; others: boolean } }
  | { only: readonly string[] };

export type Visibilities = ReadonlyMap<ResourceKindName, Visibility>;

/** A string literal in SQL. */
export const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;
/** A quoted identifier in SQL. */
export const sqlName = (name: string) => `"${name.replaceAll('"', '""')}"`;

const AGENT_IDS = `(SELECT "agent_id" FROM main."_agents")`;

/** A predicate on `value` (an SQL expression yielding the resource id). */
export function valuePredicate(value: string, visibility: Visibility): string {
  if ("all" in visibility) return "1";
  if ("none" in visibility) return "0";
  if ("only" in visibility) {
    if (visibility.only.length === 0) return "0";
    return `${value} IN (SELECT value FROM json_each(${sqlString(JSON.stringify(visibility.only))}))`;
  }
  const { me, mine, unowned, others } = visibility.owned;
  const allowed: string[] = [];
  if (mine && me !== null) allowed.push(`${value} = ${sqlString(me)}`);
  if (unowned) allowed.push(`${value} NOT IN ${AGENT_IDS}`);
  if (others) allowed.push(me === null || mine ? `${value} IN ${AGENT_IDS}` : `(${value} IN ${AGENT_IDS} AND ${value} <> ${sqlString(me)})`);
  if (allowed.length === 0) return "0";
  return allowed.length === 1 ? allowed[0]! : `(${allowed.join(" OR ")})`;
}

const sees = (visibilities: Visibilities, kind: ResourceKindName): Visibility => visibilities.get(kind) ?? { none: true };

/** The predicate a protected table's rows must meet, or null when the caller sees them all. */
export function rowPredicate(owner: RowOwner, visibilities: Visibilities): string | null {
  const column = sqlName(owner.column);
  if ("id" in owner) {
    const v = sees(visibilities, owner.id);
    return "all" in v ? null : valuePredicate(column, v);
  }
  if ("ids" in owner) {
    const v = sees(visibilities, owner.ids);
    if ("all" in v) return null;
    // Every id the row lists must be readable; a row that lists none (NULL) belongs to no one in particular.
    return `(${column} IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(${column}) AS "__sy_id" WHERE NOT (${valuePredicate(`"__sy_id".value`, v)})))`;
  }
  const governed = owner.names.map((kind) => ({ prefix: `${RESOURCE_KINDS[kind].type}:`, v: sees(visibilities, kind) }));
  if (governed.every(({ v }) => "all" in v)) return null;
  const cases = governed
    .filter(({ v }) => !("all" in v))
    .map(({ prefix, v }) => `WHEN substr(${column}, 1, ${prefix.length}) = ${sqlString(prefix)} THEN ${valuePredicate(`substr(${column}, ${prefix.length + 1})`, v)}`);
  return `(CASE ${cases.join(" ")} ELSE 1 END)`;
}

/** The subquery that stands for a protected table in a statement: its rows the caller may read, all columns. */
export const filteredTable = (table: string, predicate: string) => `(SELECT * FROM main.${sqlName(table)} WHERE ${predicate})`;
