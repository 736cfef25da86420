import { ApiError } from "../http/errors";
import type { MainColumns } from "./main-rows";
import { rowMatch } from "./main-rows";
import type { MergeOp, TablePlan } from "./merge-planner";
import { type Row, chunkByJsonSize, jsonAt, quoteIdent } from "./sql-text";

/** A column the branch added, as `ALTER TABLE … ADD COLUMN` needs it. */
export interface NewColumn {
  name: string;
  type: string;
  dflt_value: string | null;
}

/** The schema work a merge carries into main before its rows. */
export interface SchemaChange {
  table: string;
  origin: "main" | "branch";
  ddl: string[];
  newColumns: NewColumn[];
}

/** The tripwire of a merge batch: fails the batch (so nothing is applied) when `condition` holds. */
export const tripwire = (db: D1Database, condition: string, reason: string, ...params: unknown[]) =>
  db.prepare(`INSERT INTO _branch_merge_guard (reason) SELECT ? WHERE ${condition}`).bind(reason, ...params);

export const TRIPWIRE_MESSAGE = /_branch_merge_guard|CHECK constraint failed/i;

/** CREATE TABLE for tables made on the branch, ADD COLUMN for columns it added; in the merge's batch. */
export function schemaStatements(db: D1Database, changes: readonly SchemaChange[], columns: MainColumns): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  for (const change of changes) {
    const present = columns.get(change.table);
    if (change.origin === "branch") {
      if (present)
        throw new ApiError("conflict", `Table '${change.table}' was created on the branch and, since, on main too; merge cannot create it twice.`, { reason: "table_exists_on_main", table: change.table });
      out.push(...change.ddl.map((ddl) => db.prepare(ddl)));
      continue;
    }
    if (!present) throw new ApiError("conflict", `Table '${change.table}' no longer exists on main; the branch's changes to it cannot be merged.`, { reason: "table_dropped_on_main", table: change.table });
    for (const c of change.newColumns) {
      if (present.includes(c.name)) continue;
      out.push(db.prepare(`ALTER TABLE ${quoteIdent(change.table)} ADD COLUMN ${quoteIdent(c.name)}${c.type ? ` ${c.type}` : ""}${c.dflt_value !== null ? ` DEFAULT ${c.dflt_value}` : ""}`));
    }
  }
  return out;
}

/**
 * A table's planned changes as D1 statements. Every statement is conditioned on main still holding what
 * the plan saw (the `expect` rows, or no row for an insert), and is followed by a tripwire that fails
 * the batch unless it changed exactly the rows planned: a row main changed since the conflict check
 * can never be overwritten silently.
 */
export function tableStatements(db: D1Database, plan: TablePlan, mainColumnsAfter: readonly string[]): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  const table = quoteIdent(plan.table);
  const keys = plan.keyColumns;
  const reason = `main changed '${plan.table}' during the merge`;
  const keyOn = keys.map((k, i) => `m.${quoteIdent(k)} = ${jsonAt("j.value", i)}`).join(" AND ");
  const expectOn = (offset: number, columns: readonly string[]) => columns.map((c, i) => `m.${quoteIdent(c)} IS ${jsonAt("j.value", offset + i)}`).join(" AND ") || "1";
  const bulk = (ops: { payload: unknown[] }[], text: string) => {
    for (const chunk of chunkByJsonSize(ops.map((o) => o.payload))) {
      out.push(db.prepare(text).bind(JSON.stringify(chunk)));
      out.push(tripwire(db, "changes() <> ?", reason, chunk.length));
    }
  };

  const byKind = <K extends MergeOp["kind"]>(kind: K) => plan.ops.filter((o): o is Extract<MergeOp, { kind: K }> => o.kind === kind);
  const groupByColumns = <T>(items: T[], columnsOf: (item: T) => string[]) => {
    const groups = new Map<string, { columns: string[]; items: T[] }>();
    for (const item of items) {
      const columns = columnsOf(item);
      const id = columns.join("\u0000");
      const group = groups.get(id);
      if (group) group.items.push(item);
      else groups.set(id, { columns, items: [item] });
    }
    return [...groups.values()];
  };
  const values = (row: Row, columns: readonly string[]) => columns.map((c) => row[c] ?? null);

  for (const group of groupByColumns(byKind("delete"), (o) => Object.keys(o.expect).filter((c) => mainColumnsAfter.includes(c)))) {
    bulk(
      group.items.map((o) => ({ payload: [...values(o.key, keys), ...values(o.expect, group.columns)] })),
      `DELETE FROM ${table} WHERE (${keys.map(quoteIdent).join(", ")}) IN (SELECT ${keys.map((k) => `m.${quoteIdent(k)}`).join(", ")} FROM json_each(?) AS j JOIN ${table} AS m ON ${keyOn} WHERE ${expectOn(keys.length, group.columns)})`,
    );
  }
  for (const group of groupByColumns(byKind("update"), (o) => [...Object.keys(o.row).filter((c) => !keys.includes(c)), "\u0001", ...Object.keys(o.expect).filter((c) => mainColumnsAfter.includes(c))])) {
    const split = group.columns.indexOf("\u0001");
    const set = group.columns.slice(0, split);
    const expect = group.columns.slice(split + 1);
    if (set.length === 0) continue;
    bulk(
      group.items.map((o) => ({ payload: [...values(o.key, keys), ...values(o.row, set), ...values(o.expect, expect)] })),
      `UPDATE ${table} AS m SET ${set.map((c, i) => `${quoteIdent(c)} = ${jsonAt("j.value", keys.length + i)}`).join(", ")} FROM json_each(?) AS j WHERE ${keyOn} AND ${expectOn(keys.length + set.length, expect)}`,
    );
  }
  for (const group of groupByColumns(byKind("insert"), (o) => Object.keys(o.row))) {
    bulk(
      group.items.map((o) => ({ payload: values(o.row, group.columns) })),
      `INSERT INTO ${table} (${group.columns.map(quoteIdent).join(", ")}) SELECT ${group.columns.map((_, i) => jsonAt("j.value", i)).join(", ")} FROM json_each(?) AS j`,
    );
  }
  for (const op of plan.ops) {
    if (op.kind !== "add_copies" && op.kind !== "remove_copies") continue;
    const { where, params } = rowMatch(op.row, mainColumnsAfter);
    out.push(db.prepare(`INSERT INTO _branch_merge_guard (reason) SELECT ?3 WHERE (SELECT count(*) FROM ${table} AS m WHERE ${where}) <> ?2`).bind(params[0], op.expect, reason));
    const columns = Object.keys(op.row);
    if (op.kind === "add_copies")
      out.push(
        db
          .prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) INSERT INTO ${table} (${columns.map(quoteIdent).join(", ")}) SELECT ${columns.map((_, i) => jsonAt("?1", i)).join(", ")} FROM n`)
          .bind(JSON.stringify(values(op.row, columns)), op.copies),
      );
    else out.push(db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} AS m WHERE ${where} LIMIT ?2)`).bind(params[0], op.copies));
  }
  return out;
}
