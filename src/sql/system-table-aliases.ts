// Agents written for HatiData query its system tables by HatiData's names. Each name is an alias of one of
// Switchyard's system tables, read-only like it: the guard rewrites a reference to the alias into a
// subquery over the real table (table-walker.ts records where, guard.ts rewrites), and analyses the
// rewritten statement as if the user had typed it. So everything that applies to the real table (its
// authorisation, the row rule that shows a caller only its rows) applies to the alias, by construction.

export interface SystemTableAlias {
  /** The Switchyard system table it reads. */
  table: string;
  /**
   * HatiData's names for columns where they differ from Switchyard's: `[name, SQL expression over the
   * real table]`. The alias has every column of the real table, plus these.
   */
  extraColumns: readonly (readonly [name: string, expression: string])[];
}

/** HatiData's system table names (folded), and what each reads. */
export const SYSTEM_TABLE_ALIASES: ReadonlyMap<string, SystemTableAlias> = new Map([
  [
    "_hatidata_memory",
    {
      table: "_memory",
      // A memory is never edited after it is stored, so its last modification is its creation.
      extraColumns: [
        ["last_accessed", "last_accessed_at"],
        ["updated_at", "created_at"],
      ],
    },
  ],
  [
    "_hatidata_audit_log",
    {
      table: "_audit_log",
      extraColumns: [
        ["entry_id", "audit_id"],
        ["timestamp", "at"],
      ],
    },
  ],
  ["_hatidata_policy_denials", { table: "_policy_denials", extraColumns: [] }],
  [
    "_hatidata_cot",
    {
      table: "_cot",
      // A step's id: its session and its index in it, the same `trace_id` the MCP tool log_reasoning_step answers.
      extraColumns: [
        ["trace_id", "session_id || '/' || step_index"],
        ["created_at", "logged_at"],
      ],
    },
  ],
]);

/** The alias a (folded) table name is, if it is one. */
export const systemTableAlias = (foldedName: string): SystemTableAlias | undefined => SYSTEM_TABLE_ALIASES.get(foldedName);

/** The SQL that stands in for a reference to the alias: a subquery over the real table, unnamed. */
export function aliasSubquery(alias: SystemTableAlias): string {
  const extras = alias.extraColumns.map(([name, expression]) => `, ${expression} AS ${name}`).join("");
  return `(SELECT *${extras} FROM ${alias.table})`;
}

/** The `trace_id` of a ledger step, as `_hatidata_cot` computes it. */
export const cotTraceId = (sessionId: string, stepIndex: number) => `${sessionId}/${stepIndex}`;
