import { sql } from "drizzle-orm";
import { auditInsert } from "../audit/audit-log";
import type { Database } from "../db/client";
import { cotSessions, cotSteps } from "../db/schema";
import { GENESIS_HASH, roundImportance } from "./canonical";
import type { LoggedStep, LogStep } from "./schemas";
import { stepHash } from "./step-hash";

/** A step as the route hands it to the session's sequencer: JSON fields already as their stored text. */
export interface StepToAppend {
  step_type: LogStep["step_type"];
  content: string;
  input_data: string | null;
  output_data: string | null;
  metadata: string | null;
  importance: number;
}

/** Where a session's chain ends: the next index to give out and the hash it will point back to. */
export interface SessionHead {
  owner: string;
  nextIndex: number;
  hash: string;
  firstLoggedAt: string;
}

export interface Append {
  step: StepToAppend;
  agentId: string;
  requestId?: string;
}

/** Reads the head from D1: the last step is the truth for the chain, the session row for its owner. */
export async function readHead(db: Database, sessionId: string): Promise<SessionHead | null> {
  const [sessions, last] = await db.batch([
    db.select().from(cotSessions).where(sql`${cotSessions.sessionId} = ${sessionId}`),
    db
      .select({ stepIndex: cotSteps.stepIndex, hash: cotSteps.hash, agentId: cotSteps.agentId, loggedAt: cotSteps.loggedAt })
      .from(cotSteps)
      .where(sql`${cotSteps.sessionId} = ${sessionId}`)
      .orderBy(sql`${cotSteps.stepIndex} DESC`)
      .limit(1),
  ]);
  const session = sessions[0];
  const step = last[0];
  if (!step) return null;
  return { owner: session?.agentId ?? step.agentId, nextIndex: step.stepIndex + 1, hash: step.hash, firstLoggedAt: session?.firstLoggedAt ?? step.loggedAt };
}

/**
 * Chains `appends` onto `head` and writes them in one D1 batch (one transaction): the steps, the
 * session row's new head and, when this opens the session, its audit row. Returns the new head and
 * each step's answer; nothing is written if the batch fails.
 */
export async function writeSteps(db: Database, sessionId: string, head: SessionHead | null, appends: Append[], now: string) {
  const first = appends[0];
  if (!first) throw new Error("writeSteps needs at least one step");
  let prev = head?.hash ?? GENESIS_HASH;
  let index = head?.nextIndex ?? 0;
  const logged: LoggedStep[] = [];
  const inserts = appends.map(({ step, agentId }) => {
    const row = {
      session_id: sessionId,
      step_index: index++,
      agent_id: agentId,
      step_type: step.step_type,
      content: step.content,
      input_data: step.input_data,
      output_data: step.output_data,
      metadata: step.metadata,
      importance: roundImportance(step.importance),
      logged_at: now,
      prev_hash: prev,
    };
    const hash = stepHash(row);
    logged.push({ session_id: sessionId, step_index: row.step_index, hash, prev_hash: prev, logged_at: now });
    prev = hash;
    return db.insert(cotSteps).values({
      sessionId,
      stepIndex: row.step_index,
      agentId,
      stepType: row.step_type,
      content: row.content,
      inputData: row.input_data,
      outputData: row.output_data,
      importance: row.importance,
      metadata: row.metadata,
      prevHash: row.prev_hash,
      hash,
      loggedAt: now,
    });
  });
  const owner = head?.owner ?? first.agentId;
  const newHead: SessionHead = { owner, nextIndex: index, hash: prev, firstLoggedAt: head?.firstLoggedAt ?? now };
  const sessionRow = db
    .insert(cotSessions)
    .values({ sessionId, agentId: owner, steps: index, firstLoggedAt: newHead.firstLoggedAt, lastLoggedAt: now, headHash: prev })
    .onConflictDoUpdate({
      target: cotSessions.sessionId,
      set: { steps: index, lastLoggedAt: now, headHash: prev },
    });
  // One audit row when a session opens, not one per step: the ledger is itself an append-only,
  // tamper-evident record of who logged what and when, so a row per step would double every write
  // and say nothing new.
  const opened =
    head === null
      ? [auditInsert(db, { agentId: first.agentId, action: "cot:write", resource: `cot:${sessionId}`, status: "success", requestId: first.requestId, details: { event: "session_opened" } })]
      : [];
  await db.batch([sessionRow, ...inserts, ...opened]);
  return { head: newHead, logged };
}
