// What names SQL may touch. SQLite compares identifiers case-insensitively in ASCII only (sqlite3StrICmp),
// so every rule here compares names folded the same way: `_AGENT_KEYS` is `_agent_keys`, while a name
// with a look-alike Unicode letter is simply another (non-existent) table.

import { SYSTEM_TABLE_ALIASES } from "./system-table-aliases";

/** The system tables users may read with SQL (never write). Everything else starting with `_` is internal. */
export const READABLE_SYSTEM_TABLES: ReadonlySet<string> = new Set([
  "_memory",
  "_triggers",
  "_branches",
  "_agents",
  "_audit_log",
  "_policy_denials",
  "_cot",
  "_runs",
  "_tasks",
  "_agent_versions",
  "_workflows",
  "_workflow_revisions",
  "_guard_rail_violations",
  "_ab_tests",
  "_ab_test_arms",
  "_events",
  "_event_decisions",
  "_event_types",
  "_lifecycle_triggers",
  "_trigger_decisions",
  "_run_observations",
  "_run_agent_stats",
  "_run_edges",
  "_run_task_durations",
]);

/** SQLite's own catalog, readable so users can list their tables; its other `sqlite_` tables are not. */
export const READABLE_CATALOG_TABLES: ReadonlySet<string> = new Set(["sqlite_master", "sqlite_schema"]);

/**
 * Names no user object may take and no statement may write: Switchyard's system prefix, SQLite's, D1's
 * migration bookkeeping (`d1_migrations`) and the eponymous virtual tables that read raw pages or run
 * pragmas (`dbstat`, `sqlite_dbpage`, `pragma_*`).
 */
const RESERVED_PREFIXES = ["_", "sqlite_", "d1_", "pragma_"];
const RESERVED_NAMES: ReadonlySet<string> = new Set(["dbstat", "sqlite_dbpage", "sqlite_stmt"]);

/** ASCII-only lower case, as SQLite folds identifiers. */
export function foldName(name: string): string {
  return name.replace(/[A-Z]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 32));
}

export function isReservedName(name: string): boolean {
  const folded = foldName(name);
  return RESERVED_NAMES.has(folded) || RESERVED_PREFIXES.some((prefix) => folded.startsWith(prefix));
}

/** Readable system tables, SQLite's catalog, and HatiData's aliases of system tables (system-table-aliases.ts). */
export function isReadableSystemTable(name: string): boolean {
  const folded = foldName(name);
  return READABLE_SYSTEM_TABLES.has(folded) || READABLE_CATALOG_TABLES.has(folded) || SYSTEM_TABLE_ALIASES.has(folded);
}

/** Why reading a table is refused, or null when it may be read (subject to policy). */
export function readRefusal(name: string): string | null {
  if (!isReservedName(name) || isReadableSystemTable(name)) return null;
  return `'${name}' is internal to Switchyard or SQLite and is never readable through SQL`;
}

/** Why writing or changing the schema of a table is refused, or null when it may be (subject to policy). */
export function writeRefusal(name: string): string | null {
  if (isReadableSystemTable(name)) return `'${name}' is a system table: readable, never writable, through SQL`;
  if (isReservedName(name))
    return `'${name}' is a reserved name: names starting with _, sqlite_, d1_ or pragma_ belong to Switchyard and SQLite`;
  return null;
}
