/**
 * Issue "Security and availability" (11): what the row rule and the work bounds cost a query.
 * - A SELECT on `_memory` by an agent (the row rule filters it to its readable namespaces) against the
 *   same SELECT on a user table holding the same rows, by the same agent through the same route: the
 *   difference is the row rule. Goal: ≤ 1 ms at p50 with no policy that can reach the agent (the role
 *   default's predicate: no D1 read). With one that can, the namespaces are listed first (one D1 read,
 *   whose cost in this run is GET /v1/whoami less a route without I/O): ≤ 1 ms over that read.
 * - A SELECT on a user table through the API against the same SELECT bare on D1 by the floor Worker:
 *   its ratio must stay within 5% of the ratio of the SQL simple SELECT figure of the same run (that is,
 *   the guard's new work adds nothing measurable to a query that touches no protected table).
 * - A join of user tables (its sources multiply, so the bounds read the tables' sizes first): its cost
 *   over the bare join, as a diagnosis line.
 */
import { agentWithKey, type BenchContext } from "../lib/context.ts";
import { expectJson, timedRequest } from "../lib/http.ts";
import type { Row } from "../lib/report.ts";
import { measureGroup } from "../lib/series.ts";
import type { Summary } from "../lib/stats.ts";

const AGENT = "bench-rows";
const OTHER = "bench-rows-other";
const WITH_POLICY = "bench-rows-policy";
const SHARED = "bench-rows-shared";
const PER_NAMESPACE = 200;
const COPY = "bench_memory_copy";
const COPY_DDL = `CREATE TABLE IF NOT EXISTS ${COPY} (memory_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, content TEXT NOT NULL, created_at TEXT NOT NULL)`;
const COPY_INDEX = `CREATE INDEX IF NOT EXISTS ${COPY}_ns ON ${COPY} (agent_id, memory_id)`;
const select = (table: string) => `SELECT memory_id, content FROM ${table} WHERE agent_id = ? ORDER BY memory_id DESC LIMIT 10`;
const JOIN = `SELECT count(*) AS n FROM ${COPY} a JOIN ${COPY} b ON b.memory_id = a.memory_id WHERE a.agent_id = ?`;

export type RowRuleFigures = { rows: Row[]; diagnosis: string[] };

async function seed(ctx: BenchContext, key: string, namespace: string) {
  for (let done = 0; done < PER_NAMESPACE; done += 100) {
    const memories = Array.from({ length: Math.min(100, PER_NAMESPACE - done) }, (_, i) => ({ agent_id: namespace, content: `row rule bench note ${done + i} in ${namespace}` }));
    await expectJson({ method: "POST", url: `${ctx.api}/v1/memory/batch`, key, body: JSON.stringify({ memories }) }, 201);
  }
}

export async function benchRowRule(ctx: BenchContext, simpleSelect: Row | undefined): Promise<RowRuleFigures> {
  const { api, floor, config, adminToken } = ctx;
  const key = await agentWithKey(ctx, AGENT);
  const otherKey = await agentWithKey(ctx, OTHER);
  const policyKey = await agentWithKey(ctx, WITH_POLICY);
  await seed(ctx, key, AGENT);
  await seed(ctx, key, SHARED);
  await seed(ctx, otherKey, OTHER);
  // A policy that reaches one agent only: its namespaces are listed and decided one by one.
  await expectJson(
    {
      method: "POST",
      url: `${api}/v1/policies`,
      key: adminToken,
      body: JSON.stringify({ policy_id: "bench-rows-deny", effect: "deny", actions: ["memory:read"], resources: [`memory:${OTHER}-*`], principals: [WITH_POLICY] }),
    },
    201,
  );

  // The same rows in a user table, on the API's D1 and on the floor's.
  const { rows } = await expectJson<{ rows: unknown[] }>({
    method: "POST",
    url: `${api}/v1/query`,
    key: adminToken,
    body: JSON.stringify({ sql: "SELECT memory_id, agent_id, content, created_at FROM _memory WHERE agent_id IN (?, ?, ?)", params: [AGENT, SHARED, OTHER] }),
  });
  const copy = JSON.stringify(rows.map((r) => Object.values(r as Record<string, unknown>)));
  const fill = `INSERT OR REPLACE INTO ${COPY} SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)`;
  for (const [sql, params] of [[COPY_DDL, []], [COPY_INDEX, []], [fill, [copy]]] as const) {
    await expectJson({ method: "POST", url: `${api}/v1/query`, key: adminToken, body: JSON.stringify({ sql, params }) });
    await expectJson({ method: "POST", url: `${floor}/d1/sql`, body: JSON.stringify({ sql, params }) });
  }

  const body = (sql: string, i: number) => JSON.stringify({ sql, params: [i % 2 === 0 ? AGENT : SHARED] });
  console.log("row rule: SELECT on _memory vs the same rows in a user table; the work bounds on a join");
  const query = (k: string, sql: string) => (i: number) => timedRequest({ method: "POST", url: `${api}/v1/query`, key: k, body: body(sql, i) });
  const bare = (sql: string) => (i: number) => timedRequest({ method: "POST", url: `${floor}/d1/sql`, body: body(sql, i) });
  const group = await measureGroup(
    [
      { name: "protected", run: query(key, select("_memory")) },
      { name: "protected-policy", run: query(policyKey, select("_memory")) },
      { name: "copy", run: query(key, select(COPY)) },
      { name: "bare", run: bare(select(COPY)) },
      { name: "join", run: query(key, JOIN) },
      { name: "bare-join", run: bare(JOIN) },
      { name: "whoami", run: () => timedRequest({ method: "GET", url: `${api}/v1/whoami`, key }) },
      { name: "noop", run: () => timedRequest({ method: "GET", url: `${floor}/noop` }) },
    ],
    { label: "row rule", warmup: config.warmup, requests: config.requests, rounds: config.rounds, budgetSeconds: config.groupBudgetSeconds },
  );
  if (group.truncated) ctx.notes.push(`The row rule group hit its time budget; fewer than ${config.requests} requests were measured per series.`);
  for (const r of group.results.values()) if (r.errors) ctx.notes.push(`row rule ${r.name}: ${r.errors} failed requests (first: ${r.firstError}).`);
  const s = (name: string): Summary => group.results.get(name)!.summary;
  const over = (a: Summary, b: Summary) => a.p50 - b.p50;

  const protectedRow: Row = {
    issue: "Security",
    figure: "SELECT … FROM _memory, row rule (no policy reaches the caller)",
    value: s("protected"),
    floorName: "same SELECT, user table",
    floor: s("copy"),
    goal: "≤ 1 ms over the unfiltered SELECT (p50)",
    pass: over(s("protected"), s("copy")) <= 1,
    note: `the row rule adds ${over(s("protected"), s("copy")).toFixed(2)} ms at p50 (a predicate on the owner column; no D1 read)`,
  };
  const d1Read = over(s("whoami"), s("noop"));
  const policyRow: Row = {
    issue: "Security",
    figure: "SELECT … FROM _memory, row rule (a policy reaches the caller)",
    value: s("protected-policy"),
    floorName: "same SELECT, user table",
    floor: s("copy"),
    goal: "≤ 1 ms over the unfiltered SELECT plus one D1 read (p50)",
    pass: over(s("protected-policy"), s("copy")) - d1Read <= 1,
    note:
      `${over(s("protected-policy"), s("copy")).toFixed(2)} ms at p50: one D1 read lists the namespaces (${d1Read.toFixed(2)} ms here: whoami ` +
      `${s("whoami").p50.toFixed(2)} ms vs a route without I/O ${s("noop").p50.toFixed(2)} ms), then the policy engine decides each`,
  };
  const simpleRatio = simpleSelect?.value && simpleSelect.floor ? simpleSelect.value.p50 / simpleSelect.floor.p50 : undefined;
  const ratio = s("copy").p50 / s("bare").p50;
  const unprotectedRow: Row = {
    issue: "Security",
    figure: "SELECT on a user table (no protected table)",
    value: s("copy"),
    floorName: "bare D1 query",
    floor: s("bare"),
    goal: "p50 ratio ≤ 1.05 × the SQL simple SELECT figure's",
    pass: simpleRatio === undefined ? undefined : ratio <= 1.05 * simpleRatio,
    note:
      simpleRatio === undefined
        ? "the SQL simple SELECT figure is missing from this run: no ratio to hold it to"
        : `${ratio.toFixed(2)}× bare here against ${simpleRatio.toFixed(2)}× for the SQL simple SELECT figure (${(ratio / simpleRatio).toFixed(3)} of it)`,
  };
  const diagnosis = [
    `Work bounds on a join of user tables (p50): ${s("join").p50.toFixed(2)} ms through the API against ${s("bare-join").p50.toFixed(2)} ms bare on D1; ` +
      `a statement whose sources multiply reads its tables' sizes first (one D1 read, never cached: a table filled a moment ago must count), ` +
      `while a one-table statement reads nothing (the simple SELECT figures above).`,
  ];
  return { rows: [protectedRow, policyRow, unprotectedRow], diagnosis };
}
