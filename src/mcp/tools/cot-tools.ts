import { z } from "zod";
import { COT_STEP_TYPES } from "../../db/schema";
import { cotTraceId } from "../../sql/system-table-aliases";
import { segment } from "../rest-client";
import { ADDS, READS, defineTool } from "../tool";
import { agentId, jsonObject, nonEmpty } from "./arguments";

const sessionId = agentId("The reasoning session: chosen by the agent that opens it, e.g. loan-review-2847.");

interface LoggedStep {
  session_id: string;
  step_index: number;
  hash: string;
  prev_hash: string;
  logged_at: string;
}

interface Verification {
  chain_intact: boolean;
}

/** A replay reads at most this many steps (ten pages); longer sessions are marked truncated. */
const MAX_REPLAY_STEPS = 10_000;
const STEP_PAGE = 1000;

export const logReasoningStep = defineTool({
  name: "log_reasoning_step",
  title: "Log a reasoning step",
  description:
    "Append one step of your reasoning (what you observed, concluded, decided, did) to a session of the tamper-evident chain-of-thought ledger, " +
    "so supervisors can replay and verify why you acted. The first step opens the session; only you (or an admin) append to it. " +
    "Returns {trace_id, session_id, step_index (from 0), hash, prev_hash, logged_at}.",
  input: z.strictObject({
    session_id: sessionId,
    step_type: z.enum(COT_STEP_TYPES).optional().describe("What kind of step (default observation)."),
    content: nonEmpty("The step, in words (at most 64 KiB)."),
    importance: z.number().min(0).max(1).optional().describe("0..1 (default 0.5)."),
    metadata: jsonObject("Any JSON object kept with the step.").optional(),
    input_data: z.json().optional().describe("What the step worked from (any JSON)."),
    output_data: z.json().optional().describe("What the step produced (any JSON)."),
  }),
  annotations: ADDS,
  run: async ({ step_type, ...step }, { rest }) => {
    const logged = await rest.post<LoggedStep>("/v1/cot", { body: { step_type: step_type ?? "observation", ...step } });
    return { trace_id: cotTraceId(logged.session_id, logged.step_index), ...logged };
  },
});

export const replayDecision = defineTool({
  name: "replay_decision",
  title: "Replay a reasoning session",
  description:
    "Read back every step of a reasoning session, in order, to understand how a decision was reached, and (by default) verify that no step was " +
    "edited, removed or reordered since it was logged. Returns {session_id, steps: [{step_index, agent_id, step_type, content, importance, metadata, " +
    `input_data, output_data, prev_hash, hash, logged_at}], step_count, chain_valid (null when verify_chain is false), truncated (past ${MAX_REPLAY_STEPS} steps)}.`,
  input: z.strictObject({
    session_id: sessionId,
    verify_chain: z.boolean().optional().describe("Recompute the hash chain too (default true)."),
  }),
  annotations: READS,
  run: async ({ session_id, verify_chain }, { rest }) => {
    const path = `/v1/cot/${segment(session_id)}`;
    // One request after the other, not together: a refusal then stops the tool at the first, recorded once.
    const steps: unknown[] = [];
    let cursor: string | undefined;
    do {
      const page = await rest.get<{ steps: unknown[]; next_cursor: string | null }>(path, { query: { limit: STEP_PAGE, cursor } });
      steps.push(...page.steps);
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined && steps.length < MAX_REPLAY_STEPS);
    const chainValid = verify_chain === false ? null : (await rest.post<Verification>(`${path}/verify`)).chain_intact;
    return { session_id, steps, step_count: steps.length, chain_valid: chainValid, truncated: cursor !== undefined };
  },
});

export const getSessionHistory = defineTool({
  name: "get_session_history",
  title: "List reasoning sessions",
  description:
    "List the chain-of-thought sessions an agent opened (yours by default), optionally only those active since a time, to pick one to replay. " +
    "Returns a JSON array of {session_id, agent_id, steps, first_logged_at, last_logged_at, head_hash}; structuredContent wraps it as {items}.",
  input: z.strictObject({
    limit: z.number().int().min(1).max(100).optional().describe("How many sessions at most (default 50)."),
    agent_id: agentId("Whose sessions: defaults to your own agent id.").optional(),
    since: z.iso.datetime().optional().describe("Only sessions with a step logged at or after this ISO-8601 time."),
  }),
  annotations: READS,
  listKey: "items",
  run: async ({ limit, agent_id, since }, { rest, caller }) => {
    const page = await rest.get<{ items: unknown[] }>("/v1/cot", { query: { agent_id: agent_id ?? caller.agentId, since, limit } });
    return page.items;
  },
});

export const verifyChain = defineTool({
  name: "verify_chain",
  title: "Verify a session's hash chain",
  description:
    "Recompute every step's hash of a reasoning session and check every link: detects any step edited, removed or reordered after it was logged. " +
    "Returns {session_id, chain_intact, entries_checked, broken_links: [{step_index, reason}], broken_links_truncated}.",
  input: z.strictObject({ session_id: sessionId }),
  annotations: READS,
  run: ({ session_id }, { rest }) => rest.post(`/v1/cot/${segment(session_id)}/verify`),
});

export const COT_TOOLS = [logReasoningStep, replayDecision, getSessionHistory, verifyChain];
