import type { Json } from "../../src/workflows/definition/types";
import type { RunEngine } from "./engine";
import { SharedState } from "./patterns/shared-state";
import { guardValue, refuseByGuardRail } from "./run-guard-rails";
import { type Answer, type Caller, type Refusal, answer, refuse } from "./run-types";
import type { StateValue, StateWriteRow } from "./state-store";
import { iso } from "./views";

// The run's shared state through the API: `GET|PUT /v1/runs/{run_id}/state/{key}`, the whole state (at
// any moment), a key's history, and the `state` a task completion writes. Access follows the pattern's
// declarations: an agent writes only its `writes` and reads only its `reads` and `writes`; admins and
// readers read everything.

export interface StateEntryView {
  value: Json;
  version: number;
  written_by: string;
  updated_at: string;
}

/** A refusal raised inside a change, so the whole change rolls back (the DO answers it instead). */
export class RefusedChange extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.error.message);
    this.name = "RefusedChange";
  }
}

const entry = (v: StateValue | StateWriteRow): StateEntryView => ({ value: v.value, version: v.version, written_by: v.written_by, updated_at: iso(v.updated_at) });

function sharedState(engine: RunEngine): SharedState | undefined {
  return engine.patterns().find((p): p is SharedState => p instanceof SharedState);
}

const denied = (engine: RunEngine, caller: Caller, what: string, key: string) =>
  refuse("forbidden", `${caller.agent_id} may not ${what} '${key}' in this run: ${what === "write" ? "it is not among its declared writes" : "it is not among its declared reads or writes"}.`, {
    action: what === "write" ? "workflow:run" : "workflow:read",
    resource: `workflow:${engine.run().workflow}`,
    reason: `'${key}' is off ${caller.agent_id}'s declaration`,
  });

function mayRead(pattern: SharedState, caller: Caller, key: string): boolean {
  if (caller.admin || caller.reader) return true;
  const declared = pattern.declaration(caller.agent_id);
  return declared !== undefined && (declared.reads.includes(key) || declared.writes.includes(key));
}

/** Writes keys in the current change; any refusal rolls the whole change back. */
export function writeKeys(engine: RunEngine, caller: Caller, writes: Record<string, { value: Json; expected_version?: number }>, taskId: string | null): Record<string, StateEntryView> {
  const pattern = sharedState(engine);
  if (!pattern) throw new RefusedChange(refuse("invalid_request", "This run has no shared state: only shared-state workflows keep one."));
  const task = taskId ? engine.tasks.get(taskId) : null;
  const written: Record<string, StateEntryView> = {};
  for (const [key, write] of Object.entries(writes)) {
    if (!caller.admin && !pattern.declaration(caller.agent_id)?.writes.includes(key)) throw new RefusedChange(denied(engine, caller, "write", key));
    const spanId = engine.newSpanId();
    const result = engine.state.write(key, write.value, pattern.policyFor(key), write.expected_version, { agent: caller.agent_id, task_id: taskId, span_id: spanId }, engine.now);
    if ("conflict" in result) throw new RefusedChange(refuse("conflict", result.conflict, { key, current_version: result.current_version, conflict_resolution: pattern.policyFor(key) }));
    engine.spans.open({
      span_id: spanId,
      parent_span_id: task?.span_id ?? engine.run().span_id,
      kind: "state_write",
      name: `write ${key}`,
      agent_id: caller.agent_id,
      version: task?.version ?? null,
      started_at: engine.now,
      ended_at: engine.now,
      attributes: { key, version: result.version, conflict_resolution: pattern.policyFor(key) },
      links: [],
    });
    written[key] = entry(result);
  }
  pattern.startReaders(engine);
  return written;
}

/** `PUT /v1/runs/{run_id}/state/{key}`. */
export function putStateKey(engine: RunEngine, caller: Caller, key: string, value: Json, expectedVersion: number | undefined): Answer<StateEntryView> {
  if (!engine.exists()) return refuse("not_found", "No such run.");
  if (!engine.running()) return refuse("conflict", `The run is ${engine.run().status}: its state no longer changes.`);
  const openTask = engine.tasks.ofAgent(caller.agent_id).filter((t) => t.status === "running" || t.status === "pending").at(-1);
  // Answered, not thrown: a refusal by a guard rail fails the writer's task, and that must commit.
  const guarded = guardValue(engine, value, { at: "value" }, { agent_id: caller.agent_id, action: "workflow:state_write", task_id: openTask?.task_id ?? null, request_id: caller.request_id ?? null });
  if (!guarded.ok) return refuseByGuardRail(engine, guarded.refusal, `The value of '${key}'`, caller, openTask);
  value = guarded.value;
  const written = writeKeys(engine, caller, { [key]: { value, ...(expectedVersion === undefined ? {} : { expected_version: expectedVersion }) } }, openTask?.task_id ?? null);
  engine.audit("workflow:state_write", `workflow:${engine.run().workflow}`, caller, { key, version: written[key]?.version ?? null });
  return answer(written[key] as StateEntryView);
}

/** `GET /v1/runs/{run_id}/state/{key}`: a participant's read is recorded, so the graph knows whose write it used. */
export function getStateKey(engine: RunEngine, caller: Caller, key: string): Answer<StateEntryView> {
  const pattern = engine.exists() ? sharedState(engine) : undefined;
  if (!pattern) return refuse("not_found", "No such run with shared state.");
  if (!mayRead(pattern, caller, key)) return denied(engine, caller, "read", key);
  const value = engine.state.get(key);
  if (!value) return refuse("not_found", `'${key}' has not been written in this run.`);
  // Reads after the run ended are no part of it: its lineage, graph and critical path were settled at the end.
  if (pattern.declaration(caller.agent_id) && engine.running()) {
    const task = engine.tasks.ofAgent(caller.agent_id).at(-1);
    engine.spans.open({
      span_id: engine.newSpanId(),
      parent_span_id: task?.span_id ?? engine.run().span_id,
      kind: "state_read",
      name: `read ${key}`,
      agent_id: caller.agent_id,
      version: task?.version ?? null,
      started_at: engine.now,
      ended_at: engine.now,
      attributes: { key, version: value.version, written_by: value.written_by },
      links: [{ span_id: value.span_id, kind: "state" }],
    });
  }
  return answer(entry(value));
}

/** `GET /v1/runs/{run_id}/state` (`?at=`: as it was then): the keys the caller may read. */
export function stateSnapshot(engine: RunEngine, caller: Caller, atMs: number | undefined): Answer<Record<string, StateEntryView>> {
  const pattern = engine.exists() ? sharedState(engine) : undefined;
  if (!pattern) return refuse("not_found", "No such run with shared state.");
  const values = atMs === undefined ? engine.state.all() : engine.state.at(atMs);
  return answer(Object.fromEntries(values.filter((v) => mayRead(pattern, caller, v.key)).map((v) => [v.key, entry(v)])));
}

/** `GET /v1/runs/{run_id}/state/{key}/history`: every write of the key, oldest first. */
export function stateHistory(engine: RunEngine, caller: Caller, key: string): Answer<(StateEntryView & { task_id: string | null })[]> {
  const pattern = engine.exists() ? sharedState(engine) : undefined;
  if (!pattern) return refuse("not_found", "No such run with shared state.");
  if (!mayRead(pattern, caller, key)) return denied(engine, caller, "read", key);
  return answer(engine.state.history(key).map((w) => ({ ...entry(w), task_id: w.task_id })));
}
