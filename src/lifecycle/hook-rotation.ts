import { and, eq } from "drizzle-orm";
import type { AuditEntry } from "../audit/audit-log";
import { auditIfChanged } from "../audit/audit-log";
import type { Database } from "../db/client";
import { hookKeys } from "../db/schema";
import { ApiError } from "../http/errors";
import { type HookKey, ROTATION_OVERLAP_MS, rotateHookKeys } from "../schedules/hook-auth/hook-keys";
import { normaliseHookPath } from "../schedules/webhook-path";
import { isoAt, lifecycleClock } from "./clock";
import { workflowTriggerRows } from "./registry";
import type { ShownHookKey } from "./trigger-sync";

export interface RotatedHook {
  workflow: string;
  hook_keys: ShownHookKey[];
  previous_keys_expire_at: string | null;
}

const ATTEMPTS = 5;

/**
 * `POST /v1/workflows/{name}/hooks/rotate {path}`: a new key for an `api_key` hook, shown once; the keys
 * that were current keep working for an hour, so callers switch without a window of refusals. The key set
 * is replaced only if it is still the one read (two rotations at once both succeed, one after the other).
 */
export async function rotateHook(db: Database, workflow: string, rawPath: string, audit: Pick<AuditEntry, "agentId" | "requestId">): Promise<RotatedHook> {
  const normalised = normaliseHookPath(rawPath);
  if (!normalised.ok) throw new ApiError("invalid_request", `path ${normalised.message}`, [{ path: "path", message: normalised.message }]);
  const { path } = normalised;
  const row = (await workflowTriggerRows(db, workflow)).find((r) => r.path === path);
  if (!row) throw new ApiError("not_found", `Workflow '${workflow}' has no hook at ${path}.`);
  const config = JSON.parse(row.config) as { auth?: { type: string; header?: string } };
  if (config.auth?.type !== "api_key" || config.auth.header === undefined) {
    throw new ApiError("invalid_request", `The hook at ${path} checks JWTs (auth: {type: ${config.auth?.type ?? "?"}}): it has no key to rotate.`, [
      { path: "path", message: "is not an api_key hook" },
    ]);
  }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const now = lifecycleClock.now();
    const [held] = await db.select().from(hookKeys).where(eq(hookKeys.triggerId, row.triggerId));
    const before = held ? (JSON.parse(held.keys) as HookKey[]) : [];
    const rotated = rotateHookKeys(before, new Date(now));
    const keys = JSON.stringify(rotated.keys);
    const at = isoAt(now);
    // Replaced only if still as read; the first key of a hook that had none, only if still none.
    const write = held
      ? db.update(hookKeys).set({ keys, updatedAt: at }).where(and(eq(hookKeys.triggerId, row.triggerId), eq(hookKeys.keys, held.keys))).returning({ triggerId: hookKeys.triggerId })
      : db.insert(hookKeys).values({ triggerId: row.triggerId, workflow, keys, updatedAt: at }).onConflictDoNothing().returning({ triggerId: hookKeys.triggerId });
    const hadCurrent = before.some((k) => k.expires_at === null);
    const [written] = await db.batch([
      write,
      auditIfChanged(db, { ...audit, action: "workflow:rotate_hook_key", resource: `workflow:${workflow}`, status: "success", details: { path, previous_keys: before.length } }),
    ]);
    if (written.length === 0) continue;
    return {
      workflow,
      hook_keys: [{ path, header: config.auth.header, api_key: rotated.secret }],
      previous_keys_expire_at: hadCurrent ? isoAt(now + ROTATION_OVERLAP_MS) : null,
    };
  }
  throw new ApiError("conflict", `The keys of ${path} are being rotated by other requests at the same moment; rotate again.`, { reason: "concurrent_rotation" });
}
