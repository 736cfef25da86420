import { eq, sql } from "drizzle-orm";
import { auditInsert } from "../audit/audit-log";
import { type Database, database } from "../db/client";
import { idempotencyKeys } from "../db/schema";
import { ApiError, type ErrorCode } from "../http/errors";
import { IDEMPOTENCY_TTL_SECONDS } from "../http/idempotency";
import { MAX_JSON_DEPTH, jsonNestingDepth } from "../http/json-depth";
import { sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import { isoAfterSeconds, isoNow } from "../lib/time";
import { authenticateHook } from "../schedules/hook-auth/authenticate-hook";
import type { HookAuthResult } from "../schedules/hook-auth/hook-auth-result";
import { JwksCache } from "../schedules/hook-auth/jwks-cache";
import { allowsPrivateWebhooks, webhookUrlRefusal } from "../triggers/webhooks/url-guard";
import type { Json } from "../workflows/definition/types";
import { lifecycleClock } from "./clock";
import { type NewDecision, decisionRecord, decisionStatements, writeDecisions } from "./decisions";
import { type TriggerRecord, hookAt } from "./registry";
import { isPermanentStartFailure, startError, startRunOnce } from "./start-once";
import { startRun } from "../runs/start-run";

/** A hook's body is a run's input, not a document store: larger bodies are refused before they are read. */
export const HOOK_MAX_BODY_BYTES = 256 * 1024;

/** Who the audit rows of hook calls name: the caller is no agent. */
export const HOOK_CALLER = "webhook";

export interface HookCall {
  path: string;
  headers: Headers;
  body: string;
  requestId: string;
}

export interface HookAnswer {
  run_id: string;
  /** True when an `Idempotency-Key` retry was answered with the run the first call started. */
  replayed: boolean;
}

/**
 * The key sets of `jwks_url` hooks are fetched through the webhook URL guard (public https addresses
 * only, no redirects), one cache per isolate for each setting of WEBHOOK_ALLOW_PRIVATE.
 */
const jwksCaches = new Map<boolean, JwksCache>();
function jwksFor(env: Env): JwksCache {
  const allowPrivate = allowsPrivateWebhooks(env);
  let cache = jwksCaches.get(allowPrivate);
  if (!cache) {
    cache = new JwksCache({
      fetch: async (url, init) => {
        const refusal = !allowPrivate && new URL(url).protocol !== "https:" ? "must use https" : await webhookUrlRefusal(url, { allowPrivate });
        if (refusal) throw new Error(`the key set URL ${refusal}`);
        return fetch(url, init);
      },
    });
    jwksCaches.set(allowPrivate, cache);
  }
  return cache;
}

/** Tests only: forget the key sets fetched so far. */
export const clearHookKeySets = () => {
  for (const cache of jwksCaches.values()) cache.clear();
};

/**
 * Records a refused or failed hook call: an audit row (status `denied`) and, when the path is a hook, a
 * `failed` decision on it, in one batch; then the error to answer. Nothing is started.
 */
export async function refuseHook(db: Database, call: Pick<HookCall, "path" | "requestId">, hook: TriggerRecord | undefined, code: ErrorCode, reason: string, details: Record<string, Json> = {}): Promise<ApiError> {
  const now = lifecycleClock.now();
  const decision: NewDecision = { decision: "failed", reason: `POST ${call.path} refused (${code}): ${reason}`, details: { ...details, status: code } };
  await db.batch([
    auditInsert(db, {
      agentId: HOOK_CALLER,
      action: "hook:call",
      resource: hook ? `workflow:${hook.workflow}` : `hook:${call.path}`,
      status: "denied",
      requestId: call.requestId,
      details: { path: call.path, reason, code, ...details },
    }),
    ...(hook ? decisionStatements(db, [decisionRecord(hook.triggerId, hook.workflow, decision, now)]) : []),
  ]);
  return new ApiError(code, reason, { path: call.path, reason });
}

/**
 * `POST /hooks/{path}`: fails closed. An unknown path is 404, a caller the hook's auth refuses is 401 with
 * the reason (503 when the hook cannot check anyone: its secret unset, its key set unreachable), a body
 * that is not JSON is 400; each is audited and starts nothing. An accepted call starts a run with the
 * JSON body as its input and `trigger: {type: "webhook", path}`, as the workflow's author.
 * `Idempotency-Key`: the run id is claimed with the key before the start, so a retry (even one racing
 * the first call) answers the same run, and a start cut short is completed by the retry, not repeated.
 */
export async function callHook(env: Env, call: HookCall): Promise<HookAnswer> {
  const db = database(env);
  const found = await hookAt(db, call.path);
  if (!found) throw await refuseHook(db, call, undefined, "not_found", `no hook listens at ${call.path}`);
  const { record, keys } = found;
  if (record.config.type !== "webhook") throw await refuseHook(db, call, undefined, "not_found", `no hook listens at ${call.path}`);

  const now = lifecycleClock.now();
  const auth = await authenticateHook(call.headers, record.config.auth, { now: new Date(now), keys, env: env as unknown as Record<string, unknown>, jwks: jwksFor(env) });
  if (!auth.ok) throw await refuseHook(db, call, record, auth.kind === "unauthorized" ? "unauthorized" : "unavailable", auth.reason, { auth_failure: auth.kind });

  let input: Json = null;
  if (jsonNestingDepth(call.body) > MAX_JSON_DEPTH) {
    throw await refuseHook(db, call, record, "invalid_request", `the body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; flatten it`);
  }
  if (call.body.trim() !== "") {
    try {
      input = JSON.parse(call.body) as Json;
    } catch {
      throw await refuseHook(db, call, record, "invalid_request", "the body must be JSON (it becomes the run's input), or empty");
    }
  }

  const claim = await claimRun(db, call);
  const caller = callerOf(auth);
  try {
    // A fresh claim names a run no one has started: no need to ask its object first (one round trip less).
    await (claim.replayed ? startRunOnce : startRun)(env, {
      workflow: record.workflow,
      input,
      trigger: { type: "webhook", path: record.config.path, trigger_id: record.triggerId },
      startedBy: record.author,
      runId: claim.runId,
      requestId: call.requestId,
      ...found.tokens,
    });
  } catch (error) {
    // A start that will fail again frees the key for a corrected retry; a passing failure keeps it, so
    // the retry completes this very run.
    if (claim.scope !== null && !claim.replayed && isPermanentStartFailure(error)) await db.delete(idempotencyKeys).where(eq(idempotencyKeys.scope, claim.scope));
    const failure = startError(error);
    await writeDecisions(db, [decisionRecord(record.triggerId, record.workflow, { decision: "failed", reason: `the run could not be started: ${failure.message}`, run_id: null, details: { error: failure } }, now)]);
    throw error;
  }
  const decision: NewDecision = claim.replayed
    ? { decision: "deduplicated", reason: `a retry with the same Idempotency-Key: answered with run ${claim.runId}, started by the first call`, run_id: claim.runId, details: { path: record.config.path } }
    : { decision: "fired", reason: `POST ${record.config.path} accepted (${caller})`, run_id: claim.runId, details: { path: record.config.path } };
  await db.batch([
    auditInsert(db, {
      agentId: HOOK_CALLER,
      action: "hook:call",
      resource: `workflow:${record.workflow}`,
      status: "success",
      requestId: call.requestId,
      details: { path: record.config.path, run_id: claim.runId, caller, replayed: claim.replayed },
    }),
    ...decisionStatements(db, [decisionRecord(record.triggerId, record.workflow, decision, now)]),
  ]);
  return { run_id: claim.runId, replayed: claim.replayed };
}

function callerOf(auth: HookAuthResult): string {
  if (!auth.ok) return "refused";
  if (auth.method === "api_key") return "api_key";
  const subject = typeof auth.claims.sub === "string" ? `, sub '${auth.claims.sub}'` : "";
  return `jwt${auth.key_id ? `, kid '${auth.key_id}'` : ""}${subject}`;
}

/**
 * The run id of this call: a new one, or, with an `Idempotency-Key` already used with this body, the
 * first call's. The claim holds only `{run_id}`: nothing secret is ever kept in the idempotency cache.
 */
async function claimRun(db: Database, call: HookCall): Promise<{ runId: string; replayed: boolean; scope: string | null }> {
  const runId = newId("run");
  const key = call.headers.get("idempotency-key");
  if (key === null) return { runId, replayed: false, scope: null };
  if (key.length < 1 || key.length > 255) {
    throw await refuseHook(db, call, undefined, "invalid_request", "Idempotency-Key must be 1-255 characters");
  }
  // A scope no agent's can collide with (agent ids never start with '#').
  const scope = `#hook POST ${call.path} ${key}`;
  const requestHash = sha256Hex(call.body);
  const now = isoNow();
  const body = JSON.stringify({ run_id: runId });
  const expires = isoAfterSeconds(IDEMPOTENCY_TTL_SECONDS);
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ scope, requestHash, responseStatus: 202, responseBody: body, createdAt: now, expiresAt: expires })
    .onConflictDoUpdate({
      target: idempotencyKeys.scope,
      set: { requestHash, responseStatus: 202, responseBody: body, createdAt: now, expiresAt: expires },
      setWhere: sql`${idempotencyKeys.expiresAt} < ${now}`,
    })
    .returning({ scope: idempotencyKeys.scope });
  if (claimed.length > 0) return { runId, replayed: false, scope };
  const [first] = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.scope, scope));
  if (!first || first.responseBody === null) throw new ApiError("conflict", "A call with this Idempotency-Key is being handled; retry shortly.", { reason: "idempotency_in_progress" });
  if (first.requestHash !== requestHash) {
    throw new ApiError("conflict", "This Idempotency-Key was already used with a different body; use a new key.", { reason: "idempotency_key_reused" });
  }
  const { run_id: firstRun } = JSON.parse(first.responseBody) as { run_id: string };
  return { runId: firstRun, replayed: true, scope };
}
