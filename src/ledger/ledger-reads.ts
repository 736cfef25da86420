import { and, asc, eq, gt, gte, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { cotSessions, cotSteps } from "../db/schema";
import type { CotSession, Step } from "./schemas";

type SessionRow = typeof cotSessions.$inferSelect;
type StepRow = typeof cotSteps.$inferSelect;

export const sessionJson = (r: SessionRow): CotSession => ({
  session_id: r.sessionId,
  agent_id: r.agentId,
  steps: r.steps,
  first_logged_at: r.firstLoggedAt,
  last_logged_at: r.lastLoggedAt,
  head_hash: r.headHash,
});

const parsed = (text: string | null) => (text === null ? null : (JSON.parse(text) as Step["input_data"]));

export const stepJson = (r: StepRow): Step => ({
  session_id: r.sessionId,
  step_index: r.stepIndex,
  agent_id: r.agentId,
  step_type: r.stepType,
  content: r.content,
  input_data: parsed(r.inputData),
  output_data: parsed(r.outputData),
  importance: r.importance,
  metadata: parsed(r.metadata),
  prev_hash: r.prevHash,
  hash: r.hash,
  logged_at: r.loggedAt,
});

export async function findSession(db: Database, sessionId: string): Promise<CotSession | null> {
  const [row] = await db.select().from(cotSessions).where(eq(cotSessions.sessionId, sessionId));
  return row ? sessionJson(row) : null;
}

/** `limit + 1` steps after `afterIndex`, in step order (the primary key's order). */
export async function stepsAfter(db: Database, sessionId: string, afterIndex: number, limit: number): Promise<Step[]> {
  const rows = await db
    .select()
    .from(cotSteps)
    .where(and(eq(cotSteps.sessionId, sessionId), gt(cotSteps.stepIndex, afterIndex)))
    .orderBy(asc(cotSteps.stepIndex))
    .limit(limit + 1);
  return rows.map(stepJson);
}

/** `limit + 1` sessions after `afterId`, in session id order, optionally one agent's and active since `since`. */
export async function sessionsAfter(db: Database, filter: { agentId?: string; since?: string }, afterId: string | undefined, limit: number) {
  const rows = await db
    .select()
    .from(cotSessions)
    .where(
      and(
        filter.agentId === undefined ? undefined : eq(cotSessions.agentId, filter.agentId),
        filter.since === undefined ? undefined : gte(cotSessions.lastLoggedAt, filter.since),
        afterId === undefined ? undefined : sql`${cotSessions.sessionId} > ${afterId}`,
      ),
    )
    .orderBy(asc(cotSessions.sessionId))
    .limit(limit + 1);
  return rows.map(sessionJson);
}
