import { ApiError, type ErrorCode } from "../http/errors";

/**
 * What a branch object's RPC method answers. Errors thrown across RPC lose their class, so the object
 * catches its ApiErrors and returns them as data; the Worker raises them again with `unwrap`.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string; details?: unknown } };

export async function outcome<T>(work: () => Promise<T> | T): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message, details: err.details } };
    throw err;
  }
}

export function unwrap<T>(result: Outcome<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error.code, result.error.message, result.error.details);
}

/** The audit identity a branch object records its changes under. */
export interface Actor {
  agentId: string;
  requestId?: string;
}

/** The audit row as a raw D1 statement, for batches built without drizzle. */
export function auditStatement(db: D1Database, row: { auditId: string; agentId: string; action: string; resource: string; status: string; requestId: string | null; at: string; details: string | null }) {
  return db
    .prepare("INSERT INTO _audit_log (audit_id, agent_id, action, resource, status, request_id, at, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .bind(row.auditId, row.agentId, row.action, row.resource, row.status, row.requestId, row.at, row.details);
}
