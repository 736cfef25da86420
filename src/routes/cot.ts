import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import type { AppEnv } from "../http/context";
import { notFound } from "../http/errors";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { decodeCursor, decodeIntegerCursor, page } from "../lib/cursor";
import { findSession, sessionsAfter, stepsAfter } from "../ledger/ledger-reads";
import {
  type LogStep,
  LogStepBatchSchema,
  LogStepSchema,
  LoggedStepBatchSchema,
  LoggedStepSchema,
  SessionListQuerySchema,
  SessionListSchema,
  SessionPathSchema,
  StepPageQuerySchema,
  StepPageSchema,
  VerificationSchema,
} from "../ledger/schemas";
import { cotResource, ledgerSession, rememberOwner, sessionOwner } from "../ledger/sessions";
import { verifyChain } from "../ledger/verify-chain";

const tags = ["Chain-of-thought ledger"];

/** Reads need the session to exist; checked after authorisation, so it reveals nothing to the unauthorised. */
async function requireSession(c: Context<AppEnv>, sessionId: string) {
  const session = await findSession(database(c.env), sessionId);
  if (!session) throw notFound("Session", sessionId);
  return session;
}

/** A steps page's cursor is the last step index it returned. */
function stepCursor(cursor: string | undefined): number {
  return decodeIntegerCursor(cursor, 0) ?? -1;
}

/** A JSON field's stored text; `null` is stored as absent (SQL NULL), so a reader cannot tell them apart either. */
type LogStepFields = Omit<LogStep, "session_id">;
type RawStepFields = Record<"input_data" | "output_data" | "metadata", unknown>;

/**
 * Authorises and appends steps to a session. The JSON fields are taken as parsed (`raw`), not as zod
 * rebuilt them: validation drops an own `__proto__` key, and a step is stored exactly as sent.
 */
async function logSteps(c: Context<AppEnv>, sessionId: string, steps: { step: LogStepFields; raw: RawStepFields }[]) {
  const principal = c.get("principal");
  let owner = await sessionOwner(c.env, sessionId);
  await authorize(c, "cot:write", cotResource(sessionId, owner));
  const appends = steps.map(({ step, raw }) => ({
    step: {
      step_type: step.step_type,
      content: step.content,
      input_data: jsonText(raw.input_data),
      output_data: jsonText(raw.output_data),
      metadata: jsonText(raw.metadata),
      importance: step.importance,
    },
    agentId: principal.agentId,
    requestId: c.get("requestId"),
  }));
  const session = ledgerSession(c.env, sessionId);
  // At most twice: a session's owner changes only once, from none to the agent that opened it.
  for (;;) {
    const result = await session.append(sessionId, appends, owner);
    if (result.ok) {
      rememberOwner(sessionId, owner ?? principal.agentId);
      return result.steps;
    }
    owner = result.owner;
    rememberOwner(sessionId, owner);
    await authorize(c, "cot:write", cotResource(sessionId, owner));
  }
}

const jsonText = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

export const cotRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/cot",
      tags,
      summary: "Log a step of a chain of thought",
      description:
        "Appends the step to its session (opening the session with step 0 if it has none): `step_index` counts from 0 with no gaps, " +
        "also under concurrent appends, and `hash` chains it to the previous step (docs/cot.md gives the canonical serialisation). " +
        "A session belongs to the agent that opened it: by default only it (or an admin) appends to it.",
      middleware: [idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(LogStepSchema) },
      responses: { 201: jsonResponse(LoggedStepSchema, "The step's place in the chain."), ...errorResponses() },
    }),
    async (c) => {
      const { session_id, ...step } = c.req.valid("json");
      const raw = (await c.req.json()) as RawStepFields;
      const [logged] = await logSteps(c, session_id, [{ step, raw }]);
      return c.json(logged!, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/cot/{session_id}/steps",
      tags,
      summary: "Log up to 100 steps of one session at once, all or none",
      description: "For agents that buffer their steps, and for imports: the steps get consecutive indexes, in the order sent, in one write.",
      middleware: [idempotent] as const,
      request: { headers: IdempotencyHeaders, params: SessionPathSchema, body: jsonBody(LogStepBatchSchema) },
      responses: { 201: jsonResponse(LoggedStepBatchSchema, "Each step's place in the chain, in the order sent."), ...errorResponses() },
    }),
    async (c) => {
      const { session_id } = c.req.valid("param");
      const { steps } = c.req.valid("json");
      const raw = (await c.req.json()) as { steps: RawStepFields[] };
      const items = await logSteps(c, session_id, steps.map((step, i) => ({ step, raw: raw.steps[i]! })));
      return c.json({ items }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/cot",
      tags,
      summary: "List sessions",
      description: "Sessions in session id order, optionally one agent's (`agent_id`) and active since a time (`since`: a step logged at or after it).",
      request: { query: SessionListQuerySchema },
      responses: { 200: jsonResponse(SessionListSchema, "A page of sessions."), ...errorResponses() },
    }),
    async (c) => {
      const { agent_id, since, limit, cursor } = c.req.valid("query");
      await authorize(c, "cot:read", cotResource("*"));
      const rows = await sessionsAfter(database(c.env), { agentId: agent_id, since }, decodeCursor(cursor), limit);
      return c.json(page(rows, limit, (s) => s.session_id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/cot/{session_id}",
      tags,
      summary: "Read a session's steps",
      description: "Steps in index order, a page at a time: pass `next_cursor` back as `cursor` (sessions may hold 100k steps).",
      request: { params: SessionPathSchema, query: StepPageQuerySchema },
      responses: { 200: jsonResponse(StepPageSchema, "A page of steps."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { session_id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      await authorize(c, "cot:read", cotResource(session_id));
      await requireSession(c, session_id);
      const after = stepCursor(cursor);
      const { items, next_cursor } = page(await stepsAfter(database(c.env), session_id, after, limit), limit, (s) => s.step_index);
      return c.json({ steps: items, next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/cot/{session_id}/verify",
      tags,
      summary: "Verify a session's chain",
      description:
        "Recomputes every step's hash and checks every link, index and the recorded head, streaming through the steps in pages. " +
        "Names each broken link's step index and why; reports at most 100.",
      request: { params: SessionPathSchema },
      responses: { 200: jsonResponse(VerificationSchema, "The verdict."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { session_id } = c.req.valid("param");
      await authorize(c, "cot:read", cotResource(session_id));
      return c.json(await verifyChain(c.env.DB, session_id, requireSession(c, session_id)), 200);
    },
  );
