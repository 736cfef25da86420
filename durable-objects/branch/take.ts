import { isSystemTable, jsonArrayOf, jsonAt, quoteIdent } from "../../src/branches/sql-text";
import { hasTable, snapshotBase, tableShape } from "./branch-schema";

/** Rows per page read from main: a page's JSON must stay under D1's 2 MB value limit. */
const PAGE_ROWS = 5000;

interface MainTable {
  name: string;
  sql: string;
  withoutRowid: boolean;
  indexes: string[];
}

/**
 * Takes tables from main into the branch's SQLite, with their base snapshots. Every table a statement
 * needs is read in one D1 batch, which is one transaction: the branch sees them as of one instant of main.
 * Rows travel as JSON pages (`json_group_array` on D1, `json_each` here), never as JS objects, which keeps
 * a 100k-row take to a few hundred milliseconds. Tables main does not have are left alone: the statement
 * creates them or fails with SQLite's own "no such table".
 */
export async function takeFromMain(sql: SqlStorage, storage: DurableObjectStorage, db: D1Database, names: readonly string[], now: string): Promise<string[]> {
  const wanted = [...new Set(names)].filter((n) => !isSystemTable(n) && !hasTable(sql, n));
  if (wanted.length === 0) return [];
  const tables = await mainTables(db, wanted);
  if (tables.length === 0) return [];

  // Bounds first (cheap), so the rows can be read in rowid ranges of about PAGE_ROWS each.
  const bounds = await db.batch<{ lo: number | null; hi: number | null; n: number }>(
    tables.map((t) => db.prepare(t.withoutRowid ? `SELECT NULL AS lo, NULL AS hi, count(*) AS n FROM ${quoteIdent(t.name)}` : `SELECT min(rowid) AS lo, max(rowid) AS hi, count(*) AS n FROM ${quoteIdent(t.name)}`)),
  );

  // The tables exist here before their rows are read: their column lists shape the page queries.
  const shapes = storage.transactionSync(() =>
    tables.map((t) => {
      sql.exec(t.sql);
      return tableShape(sql, t.name);
    }),
  );

  const pages: D1PreparedStatement[] = [];
  const pageTable: number[] = [];
  tables.forEach((t, i) => {
    const columns = shapes[i]!.columns.map((c) => c.name);
    const select = (where: string) => `SELECT json_group_array(${jsonArrayOf("t", columns)}) AS page FROM (SELECT * FROM ${quoteIdent(t.name)} ${where}) AS t`;
    const b = bounds[i]?.results[0];
    if (t.withoutRowid || !b || b.lo === null || b.hi === null || b.n <= PAGE_ROWS) {
      pages.push(db.prepare(select("")));
      pageTable.push(i);
      return;
    }
    const count = Math.ceil(b.n / PAGE_ROWS);
    const width = Math.ceil((b.hi - b.lo + 1) / count);
    for (let p = 0; p < count; p++) {
      const from = b.lo + p * width;
      // The first and last ranges are open, so rows added since the bounds were read are taken too.
      const where = p === 0 ? `WHERE rowid < ${from + width}` : p === count - 1 ? `WHERE rowid >= ${from}` : `WHERE rowid >= ${from} AND rowid < ${from + width}`;
      pages.push(db.prepare(select(where)));
      pageTable.push(i);
    }
  });
  const results = await db.batch<{ page: string }>(pages);

  storage.transactionSync(() => {
    results.forEach((r, p) => {
      const shape = shapes[pageTable[p]!]!;
      const columns = shape.columns.map((c) => c.name);
      const page = r.results[0]?.page ?? "[]";
      if (page === "[]") return;
      sql.exec(
        `INSERT INTO ${quoteIdent(shape.name)} (${columns.map(quoteIdent).join(", ")}) SELECT ${columns.map((_, c) => jsonAt("j.value", c)).join(", ")} FROM json_each(?) AS j`,
        page,
      );
    });
    tables.forEach((t, i) => {
      for (const index of t.indexes) sql.exec(index);
      snapshotBase(sql, shapes[i]!, now);
    });
  });
  return tables.map((t) => t.name);
}

async function mainTables(db: D1Database, names: string[]): Promise<MainTable[]> {
  const { results } = await db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE lower(tbl_name) IN (SELECT lower(value) FROM json_each(?)) AND sql IS NOT NULL AND type IN ('table', 'index')")
    .bind(JSON.stringify(names))
    .all<{ type: string; name: string; tbl_name: string; sql: string }>();
  return results
    .filter((r) => r.type === "table")
    .map((r) => ({
      name: r.name,
      sql: r.sql,
      withoutRowid: /without\s+rowid\s*$/i.test(r.sql.trim()),
      indexes: results.filter((i) => i.type === "index" && i.tbl_name.toLowerCase() === r.name.toLowerCase()).map((i) => i.sql),
    }));
}
