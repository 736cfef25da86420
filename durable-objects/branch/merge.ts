import { type ChangedTable, mainColumns, withMainRows } from "../../src/branches/main-rows";
import { type Conflict, type MergePlan, type Resolution, type Strategy, planMerge } from "../../src/branches/merge-planner";
import { TRIPWIRE_MESSAGE, schemaStatements, tableStatements, tripwire } from "../../src/branches/merge-statements";
import { type Actor, auditStatement } from "../../src/branches/outcome";
import { auditRow } from "../../src/audit/audit-log";
import { ApiError } from "../../src/http/errors";
import { sqlFailure } from "../../src/sql/sql-failure";
import { branchChanges, type TableChanges } from "./changes";

export interface MergeResult {
  status: "merged" | "conflicted";
  applied: Record<string, number>;
  conflicts: Conflict[];
}

/** The plan a merge would carry out now, against main as it is: shared by the diff and the merge. */
export async function planAgainstMain(sql: SqlStorage, db: D1Database, strategy: Strategy, resolutions: readonly Resolution[] = [], known?: TableChanges[]) {
  const changes = known ?? branchChanges(sql);
  const columns = await mainColumns(db, changes.map((c) => c.table));
  const changed: ChangedTable[] = changes.map((c) => ({ table: c.table, keyColumns: c.keyColumns, keyed: c.keyed, keyless: c.keyless }));
  const plan = planMerge(await withMainRows(db, changed, columns), strategy, resolutions);
  return { changes, columns, plan };
}

function checkResolutions(changes: readonly TableChanges[], resolutions: readonly Resolution[]) {
  resolutions.forEach((r, i) => {
    const table = changes.find((c) => c.table === r.table);
    if (!table) throw new ApiError("invalid_request", `The branch changed no table '${r.table}'.`, [{ path: `resolutions[${i}].table`, message: "is not a table this branch changed" }]);
    if (typeof r.take === "object") {
      const known = new Set(table.columns.map((c) => c.name));
      const unknown = Object.keys(r.take.row).filter((c) => !known.has(c));
      if (unknown.length) throw new ApiError("invalid_request", `Table '${r.table}' has no column '${unknown[0]}'.`, [{ path: `resolutions[${i}].take.row.${unknown[0]}`, message: "is not a column of the table" }]);
    }
  });
}

const applied = (plan: MergePlan) => Object.fromEntries(plan.tables.map((t) => [t.table, t.applied]));

/**
 * Merges the branch into main in one D1 batch: schema first, then every table's conditioned statements,
 * then the registry's open → merged (itself conditioned, so a merge races no discard or second merge).
 * If main changed between the plan and the batch, a tripwire rolls everything back; the merge plans
 * once more against the new main, and if that fails too it answers 409 and changes nothing.
 */
export async function mergeIntoMain(sql: SqlStorage, db: D1Database, branchId: string, strategy: Strategy, resolutions: readonly Resolution[], actor: Actor, now: () => string, authorizedTables: readonly string[], known?: TableChanges[]): Promise<MergeResult> {
  let lastError: unknown;
  // The branch cannot change while it merges (its object runs one call at a time): its changes are
  // computed once; only main is read again when a retry plans anew.
  const branchSide = known ?? branchChanges(sql);
  for (let attempt = 0; attempt < 2; attempt++) {
    const { changes, columns, plan } = await planAgainstMain(sql, db, strategy, resolutions, branchSide);
    checkResolutions(changes, resolutions);
    const unauthorized = changes.find((c) => !authorizedTables.includes(c.table));
    if (unauthorized) throw new ApiError("conflict", `The branch changed table '${unauthorized.table}' while the merge was being authorised; merge again.`, { reason: "branch_changed" });
    if (plan.unresolved.length > 0) return { status: "conflicted", applied: {}, conflicts: plan.unresolved };

    const at = now();
    const statements = schemaStatements(db, changes, columns);
    for (const table of plan.tables) {
      const change = changes.find((c) => c.table === table.table)!;
      const after = [...new Set([...(columns.get(table.table) ?? []), ...change.columns.map((c) => c.name)])];
      statements.push(...tableStatements(db, table, after));
    }
    statements.push(
      db.prepare("UPDATE _branches SET status = 'merged', merged_at = ?, merged_by = ?, closed_at = ? WHERE branch_id = ? AND status = 'open'").bind(at, actor.agentId, at, branchId),
      tripwire(db, "changes() <> 1", "the branch is no longer open"),
      auditStatement(db, auditRow({ ...actor, action: "branch:merge", resource: `branch:${branchId}`, status: "success", details: { strategy, applied: applied(plan), conflicts: plan.conflicts.length } })),
    );
    try {
      await db.batch(statements);
      return { status: "merged", applied: applied(plan), conflicts: plan.conflicts };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Anything but a tripwire or a key main took meanwhile is main refusing the branch's schema or rows
      // (an index name main already uses, a NOT NULL column main added): the caller's to resolve, 422.
      if (!TRIPWIRE_MESSAGE.test(message) && !/UNIQUE constraint failed/i.test(message)) throw sqlFailure(err);
      lastError = err;
      const status = await db.prepare("SELECT status FROM _branches WHERE branch_id = ?").bind(branchId).first<string>("status");
      if (status !== "open") throw new ApiError("conflict", `Branch '${branchId}' is ${status ?? "gone"}; it cannot be merged.`, { reason: "branch_closed", status });
    }
  }
  throw new ApiError("conflict", "Main changed the rows this merge touches while it was being applied, twice; nothing was applied. Check the diff and merge again.", { reason: "main_changed" }, { cause: lastError });
}
