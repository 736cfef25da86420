import type { RunEvent } from "../../durable-objects/workflow-run/run-types";
import { database } from "../db/client";
import { ApiError } from "../http/errors";
import { newId } from "../lib/ids";
import { schemaIssues } from "../lib/json-schema";
import { isoNow } from "../lib/time";
import { type StartRequest, startRun } from "../runs/start-run";
import type { Json } from "../workflows/definition/types";
import { startTokens } from "../runs/catalog-version";
import { type CurrentWorkflow, type RevisionRow, revisionOf } from "../workflows/workflow-store";
import type { FilterEvent } from "./compiled-filter";
import { type Claim, type EventRecord, type NewDecision, type Publisher, claimEvents, recordRunError, runsOf } from "./event-store";
import { type CausedBy, loopGuard } from "./loop-guard";
import { decide } from "./matching";
import { PLATFORM_SOURCE, isPlatformEventType } from "./platform-types";
import { type TypeRouting, compiledFilterFor, readRoutingVersion, routingFor } from "./routing-cache";
import { MAX_EVENT_DATA_BYTES, type PublishEvent } from "./schemas";

// Publishing an event, by whatever door it came in (POST /v1/events, the events queue, Switchyard's own
// platform events): checked against its registered type, matched against the subscriptions of its type,
// claimed by its id together with its decisions, and the runs it matched started.

export interface PublishOptions {
  publisher: Publisher;
  /** The agent (or system part) that published it: the runs' `started_by`. */
  publishedBy: string;
  requestId?: string;
  /** The routing version the caller's authentication read, when it did (saves a read). */
  routingVersion?: string;
  /** The catalog's and guard rails' version tokens the caller's authentication read, when it did (run starts key their caches by them). */
  catalogVersion?: string;
  guardRailsVersion?: string;
  /** For platform events: how deep in a chain of platform events, and the run that published it. */
  depth?: number;
  causedBy?: CausedBy | null;
}

export interface Published {
  event_id: string;
  duplicate: boolean;
  runs: { run_id: string; workflow: string }[];
}

/** How long an event id stays taken: EVENT_DEDUPE_SECONDS, default a day. */
export function dedupeSeconds(env: Env): number {
  const configured = Number(env.EVENT_DEDUPE_SECONDS);
  return Number.isFinite(configured) && configured > 0 ? configured : 86_400;
}

const invalid = (message: string, details: { path: string; message: string }[]) => new ApiError("invalid_request", message, details);

/** The checks every event from outside passes: a type and source that are not Switchyard's, data that fits. */
export function checkPublishable(input: PublishEvent, options: PublishOptions, schema: unknown | undefined): void {
  if (options.publisher !== "platform") {
    if (isPlatformEventType(input.type))
      throw invalid(`'${input.type}' is a platform event type: only Switchyard publishes it.`, [{ path: "type", message: "is a platform event type" }]);
    if (input.source === PLATFORM_SOURCE)
      throw invalid(`The source '${PLATFORM_SOURCE}' is reserved for Switchyard's own platform events.`, [{ path: "source", message: "is reserved" }]);
  }
  if (new TextEncoder().encode(JSON.stringify(input.data)).byteLength > MAX_EVENT_DATA_BYTES)
    throw new ApiError("payload_too_large", `An event's data may be at most ${MAX_EVENT_DATA_BYTES / 1024} KiB of JSON.`);
  if (schema === undefined || options.publisher === "platform") return;
  const all = schemaIssues(schema, input.data);
  // The validator also reports each enclosing object ("property x does not match"): the deepest say what is wrong.
  const issues = all.filter((i) => !all.some((j) => j.path.length > i.path.length && j.path.startsWith(`${i.path}/`)));
  if (issues.length > 0) {
    const first = issues[0]!;
    throw invalid(
      `The event does not match the schema registered for '${input.type}': data${first.path.replaceAll("/", ".")} ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}. Nothing was stored.`,
      issues.map((i) => ({ path: `data${i.path.replaceAll("/", ".")}`, message: i.message })),
    );
  }
}

/** An event checked and matched, ready to claim. */
function prepare(input: PublishEvent, options: PublishOptions, routing: TypeRouting): Claim {
  checkPublishable(input, options, routing.eventType?.schema);
  const receivedAt = isoNow();
  const event: EventRecord = {
    event_id: input.event_id ?? newId("evt"),
    type: input.type,
    source: input.source ?? null,
    data: input.data as Json,
    time: input.time === undefined ? receivedAt : new Date(input.time).toISOString(),
    received_at: receivedAt,
    status: "accepted",
    rejection: null,
    publisher: options.publisher,
    published_by: options.publishedBy,
    depth: options.depth ?? 0,
    caused_by: options.causedBy ?? null,
  };
  const seen: FilterEvent = { event_id: event.event_id, type: event.type, source: event.source, data: event.data as Json, time: event.time };
  const decided = decide(seen, routing.subscriptions, (s) => compiledFilterFor(s, routing.eventType), loopGuard(event.depth, event.caused_by));
  const decisions: NewDecision[] = decided.map((d) => ({
    workflow: d.workflow,
    revision: d.revision,
    matched: d.matched,
    reason: d.reason,
    entries: d.entries,
    run_id: d.starts ? newId("run") : null,
    run_matched: d.starts ? d.matchedEntries : null,
    run_error: null,
    decided_at: receivedAt,
  }));
  return { event, decisions };
}

/** Publishes one event: 400 (nothing stored) when it is not publishable; a duplicate answers its first runs. */
export async function publishEvent(env: Env, input: PublishEvent, options: PublishOptions): Promise<Published> {
  const [outcome] = await publishEvents(env, [input], options);
  if (outcome instanceof ApiError) throw outcome;
  return outcome!;
}

/**
 * Publishes many events at once (a queue batch): each is checked and matched on its own (a refusal is its
 * ApiError, in its place), the publishable ones are claimed in as few D1 batches as possible, and the runs
 * they matched are started together, each workflow revision's agent references resolved once for all.
 */
export async function publishEvents(env: Env, inputs: readonly PublishEvent[], options: PublishOptions): Promise<(Published | ApiError)[]> {
  const version = options.routingVersion ?? (await readRoutingVersion(env.DB));
  const prepared = await Promise.all(
    inputs.map(async (input) => {
      try {
        return prepare(input, options, await routingFor(env.DB, version, input.type));
      } catch (error) {
        if (error instanceof ApiError) return error;
        throw error;
      }
    }),
  );
  const claims = prepared.filter((p): p is Claim => !(p instanceof ApiError));
  const claimed = await claimEvents(env.DB, claims, dedupeSeconds(env), options.requestId ?? null);
  // Read once for the whole batch, and only when a run is to start: each start then finds its workflow's
  // plan and the deployment's guard rails kept in this isolate.
  const starts = claims.some((claim, i) => claimed[i] && claim.decisions.some((d) => d.run_id !== null));
  const tokens = starts ? await startTokens(env.DB, options) : {};
  const outcomes = new Map<Claim, Promise<Published>>();
  claims.forEach((claim, i) => {
    const id = claim.event.event_id;
    outcomes.set(
      claim,
      claimed[i]
        ? startClaimedRuns(env, claim, { ...options, ...tokens }).then((runs) => ({ event_id: id, duplicate: false, runs }))
        : runsOf(env.DB, id).then((runs) => ({ event_id: id, duplicate: true, runs })),
    );
  });
  return Promise.all(prepared.map((p) => (p instanceof ApiError ? p : outcomes.get(p)!)));
}

async function startClaimedRuns(env: Env, claim: Claim, options: PublishOptions): Promise<{ run_id: string; workflow: string }[]> {
  const event = { ...runEventOf(claim.event), depth: claim.event.depth };
  const starting = claim.decisions.filter((d): d is NewDecision & { run_id: string } => d.run_id !== null);
  const started = await Promise.all(starting.map(async (d) => ((await startEventRun(env, event, d, options)) ? [{ run_id: d.run_id, workflow: d.workflow }] : [])));
  return started.flat();
}

export const runEventOf = (e: Pick<EventRecord, "event_id" | "type" | "source" | "data" | "time">): RunEvent => ({
  event_id: e.event_id,
  type: e.type,
  source: e.source,
  data: e.data as Json,
  time: e.time,
});

/** Revisions never change once saved: an isolate keeps those it started runs of. */
const revisions = new Map<string, RevisionRow>();
const MAX_CACHED_REVISIONS = 1000;

/** The revision an event was matched against, as startRun takes it (no read of the workflow's row: the match stands). */
async function matchedRevision(env: Env, workflow: string, revision: number): Promise<CurrentWorkflow> {
  const key = `${workflow}\u0000${revision}`;
  let row = revisions.get(key);
  if (!row) {
    row = await revisionOf(database(env), workflow, revision);
    if (revisions.size >= MAX_CACHED_REVISIONS) revisions.clear();
    revisions.set(key, row);
  }
  return {
    workflow: { name: workflow, currentRevision: revision, description: null, createdBy: row.createdBy, createdAt: row.createdAt, updatedAt: row.createdAt, deletedAt: null },
    revision: row,
  };
}

/**
 * Starts the run a decision chose, of the revision the event was matched against (a workflow changed or
 * deleted since still runs that revision: the decision was made while it was subscribed). False when it cannot
 * start for good (recorded on the decision); a failure that may pass (a dependency down) is thrown for the
 * caller to log, and the cron starts the run later with the same id.
 */
export async function startEventRun(
  env: Env,
  event: RunEvent,
  decision: { workflow: string; revision: number; run_id: string; run_matched: Record<string, number[]> | null },
  options: Pick<PublishOptions, "publishedBy" | "requestId" | "catalogVersion" | "guardRailsVersion">,
  // The cron passes startRunOnce: a run the request did start after all is answered, not started again.
  start: (env: Env, request: StartRequest & { runId: string }) => Promise<unknown> = startRun,
): Promise<boolean> {
  try {
    const current = await matchedRevision(env, decision.workflow, decision.revision);
    await start(env, {
      ...(options.catalogVersion ? { catalogVersion: options.catalogVersion } : {}),
      ...(options.guardRailsVersion ? { guardRailsVersion: options.guardRailsVersion } : {}),
      workflow: decision.workflow,
      // The run's input is the event, as event-driven tasks and event triggers give it to agents.
      input: { event_id: event.event_id, type: event.type, source: event.source, data: event.data, time: event.time },
      trigger: { type: "event", event_id: event.event_id, event_type: event.type },
      startedBy: options.publishedBy,
      ...(options.requestId ? { requestId: options.requestId } : {}),
      event,
      matched: decision.run_matched ?? {},
      runId: decision.run_id,
      current,
    });
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) {
      await recordRunError(env.DB, event.event_id, decision.workflow, { code: error.code, message: error.message });
      return false;
    }
    console.error(`event ${event.event_id}: run ${decision.run_id} of ${decision.workflow} did not start now; the cron will start it`, error);
    return true;
  }
}
