import type { StateRecord } from "../../durable-objects/agent/state-store";
import { ApiError, notFound } from "../http/errors";
import { isoNow } from "../lib/time";
import { MAX_STATE_VALUE_BYTES, type StateEntry } from "./schemas";

const encoder = new TextEncoder();

export const agentObject = (env: Env, agentId: string) => env.AGENT.get(env.AGENT.idFromName(agentId));

export function entryJson(agentId: string, record: StateRecord): StateEntry {
  return { agent_id: agentId, key: record.key, value: JSON.parse(record.value) as StateEntry["value"], version: record.version, updated_at: record.updated_at, updated_by: record.updated_by };
}

export async function readState(env: Env, agentId: string, key: string): Promise<StateEntry> {
  const record = await agentObject(env, agentId).getState(key);
  if (!record) throw notFound("State key", `${agentId}/${key}`);
  return entryJson(agentId, record);
}

export async function writeState(
  env: Env,
  agentId: string,
  key: string,
  value: unknown,
  expectedVersion: number | undefined,
  by: string,
): Promise<StateEntry> {
  const text = JSON.stringify(value);
  const bytes = encoder.encode(text).byteLength;
  if (bytes > MAX_STATE_VALUE_BYTES)
    throw new ApiError("payload_too_large", `The value is ${bytes} bytes of JSON; state values are limited to ${MAX_STATE_VALUE_BYTES} bytes (1 MiB).`, {
      path: "value",
      size_bytes: bytes,
      limit_bytes: MAX_STATE_VALUE_BYTES,
    });
  const result = await agentObject(env, agentId).putState(key, text, expectedVersion, by, isoNow());
  if (!result.ok) throw versionConflict(agentId, key, expectedVersion, result.current_version);
  return entryJson(agentId, result.record);
}

export async function deleteState(env: Env, agentId: string, key: string, expectedVersion: number | undefined): Promise<void> {
  const result = await agentObject(env, agentId).deleteState(key, expectedVersion);
  if (result.ok) return;
  if (result.current_version === null) throw notFound("State key", `${agentId}/${key}`);
  throw versionConflict(agentId, key, expectedVersion, result.current_version);
}

function versionConflict(agentId: string, key: string, expected: number | undefined, current: number | null) {
  return new ApiError(
    "conflict",
    `State '${agentId}/${key}' is at version ${current ?? 0}, not the expected ${expected}; read it again and retry.`,
    { expected_version: expected, current_version: current ?? 0 },
  );
}
