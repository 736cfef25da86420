import { and, desc, eq, lt } from "drizzle-orm";
import type { Context } from "hono";
import type { RunTrigger } from "../../durable-objects/workflow-run/run-types";
import { permits } from "../authz/authorize";
import { database } from "../db/client";
import { runs } from "../db/schema";
import type { AppEnv } from "../http/context";
import { decodeCursor, page } from "../lib/cursor";

type RunRow = typeof runs.$inferSelect;

export function runSummary(row: RunRow) {
  return {
    run_id: row.runId,
    workflow: row.workflow,
    revision: row.revision,
    status: row.status,
    error: row.error === null ? null : (JSON.parse(row.error) as { code: string; message: string }),
    agents: JSON.parse(row.agents) as Record<string, string>,
    trigger: JSON.parse(row.trigger) as RunTrigger,
    started_at: row.startedAt,
    ended_at: row.endedAt,
  };
}

/**
 * A page of the runs' registry, newest first (run ids sort by start time). Dry runs are not listed.
 * Runs of workflows the caller may not read are left out of the page, as SQL leaves them out.
 */
export async function listRuns(c: Context<AppEnv>, query: { limit: number; cursor?: string | undefined; workflow?: string | undefined; status?: RunRow["status"] | undefined }) {
  const before = decodeCursor(query.cursor);
  const rows = await database(c.env)
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.mode, "live"),
        query.workflow === undefined ? undefined : eq(runs.workflow, query.workflow),
        query.status === undefined ? undefined : eq(runs.status, query.status),
        before === undefined ? undefined : lt(runs.runId, before),
      ),
    )
    .orderBy(desc(runs.runId))
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => r.runId);
  const readable = new Map<string, boolean>();
  for (const workflow of new Set(result.items.map((r) => r.workflow))) readable.set(workflow, await permits(c, "workflow:read", { type: "workflow", id: workflow }));
  return { items: result.items.filter((r) => readable.get(r.workflow)).map(runSummary), next_cursor: result.next_cursor };
}
