import fc from "fast-check";

// Generated SQL with its model: what a correct guard must report. Names are spelled with every trick the
// guard must see through (quotes of three kinds, `main.`, case games, comments between tokens).

export const USER_TABLES = ["items", "orders", "notes"];
export const READABLE_SYSTEM = ["_memory", "_agents", "_policy_denials", "_audit_log", "_cot"];
export const NEVER_READABLE = ["_agent_keys", "_idempotency_keys", "sqlite_sequence", "d1_migrations", "_cf_metadata", "_secret"];
const ALL_TABLES = [...USER_TABLES, ...READABLE_SYSTEM, ...NEVER_READABLE];

export interface Generated {
  sql: string;
  kind: "read" | "write" | "schema";
  reads: string[];
  writes: string[];
  /** Tables a foreign key of the statement references. */
  references?: string[];
}

/** System tables whose rows are shown per caller (src/sql/row-rules.ts): no foreign key may reference one. */
export const PROTECTED = ["_memory", "_triggers", "_cot", "_audit_log"];

/**
 * True when the statement must be refused: it reads a never-readable table, changes a reserved one, or
 * declares a foreign key to a table whose rows are filtered per caller.
 */
export const mustRefuse = (g: Generated) =>
  g.reads.some((t) => NEVER_READABLE.includes(t)) ||
  g.writes.some((t) => t.startsWith("_") || t.startsWith("sqlite_") || t.startsWith("d1_")) ||
  (g.references ?? []).some((t) => PROTECTED.includes(t));

const caseGame = (word: string) =>
  fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((flips) =>
    [...word].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch.toLowerCase())).join(""),
  );

const gap = fc.constantFrom(" ", "\n", "\t ", " /* ; DROP TABLE items; */ ", " -- ; DELETE FROM items\n", " /* _agent_keys */ ");
const kw = (word: string) => caseGame(word);

/** A table name spelled some way SQLite reads as that name. */
export const spelled = (name: string) =>
  fc
    .tuple(caseGame(name), fc.constantFrom("plain", '"', "[", "`"), fc.constantFrom("", "main.", '"main".', "MAIN."))
    .map(([n, quote, schema]) => schema + (quote === "plain" ? n : quote === "[" ? `[${n}]` : `${quote}${n}${quote}`));

// Mostly tables a statement may touch, so that most statements exercise the positive path too.
const tableName = fc.oneof(
  { arbitrary: fc.constantFrom(...USER_TABLES), weight: 6 },
  { arbitrary: fc.constantFrom(...READABLE_SYSTEM), weight: 3 },
  { arbitrary: fc.constantFrom(...NEVER_READABLE), weight: 1 },
);

interface Part {
  sql: string;
  reads: string[];
}

/** A SELECT (with subqueries, joins, CTEs, IN-table) and the tables it reads. */
export const select: fc.Memo<Part> = fc.memo((depth: number): fc.Arbitrary<Part> => {
  const table = tableName.chain((name) => spelled(name).map((sql): Part => ({ sql, reads: [name] })));
  const sub = depth <= 1 ? table.map((t): Part => ({ sql: `SELECT a FROM ${t.sql}`, reads: t.reads })) : select(depth - 1);
  const source = depth <= 1 ? table : fc.oneof(table, sub.map((s): Part => ({ sql: `(${s.sql}) AS s${depth}`, reads: s.reads })));
  const condition = fc.oneof(
    fc.constant<Part>({ sql: "1 = 1", reads: [] }),
    sub.map((s): Part => ({ sql: `a IN (${s.sql})`, reads: s.reads })),
    sub.map((s): Part => ({ sql: `EXISTS (${s.sql})`, reads: s.reads })),
    sub.map((s): Part => ({ sql: `a = (${s.sql})`, reads: s.reads })),
    table.map((t): Part => ({ sql: `a IN ${t.sql}`, reads: t.reads })),
  );
  return fc
    .tuple(kw("select"), gap, source, fc.option(fc.tuple(kw("join"), source)), fc.option(condition), fc.option(sub), kw("from"), kw("where"))
    .map(([selectKw, g, from, joined, where, cte, fromKw, whereKw]) => {
      // A CTE is named like no table: only what its body reads counts.
      const withPart = cte ? `WITH c${depth} AS (${cte.sql}) ` : "";
      const cteRef = cte ? `, c${depth}` : "";
      const joinPart = joined ? ` ${joined[0]} ${joined[1].sql} ON 1` : "";
      const wherePart = where ? ` ${whereKw} ${where.sql}` : "";
      return {
        sql: `${withPart}${selectKw}${g}* ${fromKw} ${from.sql}${cteRef}${joinPart}${wherePart}`,
        reads: [...from.reads, ...(joined ? joined[1].reads : []), ...(where?.reads ?? []), ...(cte?.reads ?? [])],
      };
    });
});

const target = tableName.chain((name) => spelled(name).map((sql) => ({ sql, name })));

/** INSERT, UPDATE, DELETE and REPLACE, some wrapped in a CTE, some with RETURNING, reading through subqueries. */
export const write: fc.Arbitrary<Generated> = fc.oneof(
  fc.tuple(target, kw("insert into"), fc.option(select(2))).map(([t, insertKw, source]) => ({
    sql: source ? `${insertKw} ${t.sql} ${source.sql}` : `${insertKw} ${t.sql} (a) VALUES (1)`,
    kind: "write" as const,
    reads: source?.reads ?? [],
    writes: [t.name],
  })),
  fc.tuple(target, select(2), kw("with")).map(([t, cte, withKw]) => ({
    sql: `${withKw} x AS (${cte.sql}) DELETE FROM ${t.sql} WHERE a IN (SELECT a FROM x) RETURNING *`,
    kind: "write" as const,
    reads: cte.reads,
    writes: [t.name],
  })),
  fc.tuple(target, select(1), fc.option(select(1)), kw("update")).map(([t, value, from, updateKw]) => ({
    sql: `${updateKw} ${t.sql} SET a = (${value.sql})${from ? ` FROM (${from.sql}) AS f` : ""} WHERE 1`,
    kind: "write" as const,
    reads: [...value.reads, ...(from?.reads ?? [])],
    writes: [t.name],
  })),
  fc.tuple(target, select(1), kw("replace into")).map(([t, source, replaceKw]) => ({
    sql: `WITH s AS (${source.sql}) ${replaceKw} ${t.sql} SELECT * FROM s`,
    kind: "write" as const,
    reads: source.reads,
    writes: [t.name],
  })),
);

/** CREATE, DROP and ALTER on any name, including reserved ones. */
export const schemaChange: fc.Arbitrary<Generated> = fc.oneof(
  target.map((t) => ({ sql: `CREATE TABLE ${t.sql} (a INTEGER)`, kind: "schema" as const, reads: [], writes: [t.name] })),
  target.map((t) => ({ sql: `DROP TABLE IF EXISTS ${t.sql}`, kind: "schema" as const, reads: [], writes: [t.name] })),
  target.map((t) => ({ sql: `ALTER TABLE ${t.sql} ADD COLUMN z TEXT`, kind: "schema" as const, reads: [], writes: [t.name] })),
  fc.tuple(target, select(1)).map(([t, body]) => ({ sql: `CREATE VIEW ${t.sql} AS ${body.sql}`, kind: "schema" as const, reads: body.reads, writes: [t.name] })),
  fc.tuple(target, target).map(([t, fk]) => ({
    sql: `CREATE TABLE ${t.sql} (a INTEGER REFERENCES ${fk.sql} (a))`,
    kind: "schema" as const,
    reads: [fk.name],
    writes: [t.name],
    references: [fk.name],
  })),
);

export const read: fc.Arbitrary<Generated> = select(3).map((s) => ({ sql: s.sql, kind: "read" as const, reads: s.reads, writes: [] }));

export const statement: fc.Arbitrary<Generated> = fc.oneof(read, write, schemaChange);

/** SQL-ish noise: keywords, names, punctuation, quotes and unicode in any order. */
export const tokenSoup = fc
  .array(
    fc.oneof(
      fc.constantFrom("SELECT", "select", "FROM", "WITH", "AS", "INSERT", "INTO", "DELETE", "UPDATE", "SET", "VALUES", "PRAGMA", "ATTACH"),
      fc.constantFrom("(", ")", ",", ";", "*", "=", "'", '"', "`", "[", "]", "--", "/*", "*/", "?", ":a", ".", "1", "'x'"),
      fc.constantFrom(...ALL_TABLES, "main", "temp", "now()", "INTERVAL '1 hour'", "load_extension('x')", "_аgent_keys", "ＳＥＬＥＣＴ"),
      fc.string({ unit: "grapheme", maxLength: 4 }),
    ),
    { maxLength: 24 },
  )
  .map((tokens) => tokens.join(" "));
