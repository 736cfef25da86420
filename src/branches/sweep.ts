import { database } from "../db/client";
import { isoNow } from "../lib/time";
import { branchObject } from "./branch-object";
import { dueBranches } from "./registry";

/**
 * The cron's half of branch expiry. A branch's own alarm closes it on time once its object has run; a
 * branch that was created and never touched has no object yet, and the sweep closes it here.
 */
export async function sweepExpiredBranches(env: Env): Promise<number> {
  const due = await dueBranches(database(env), isoNow());
  const results = await Promise.allSettled(due.map((id) => branchObject(env, id).expire(id)));
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length) throw new Error(`${failed.length} of ${due.length} due branches could not be expired: ${String((failed[0] as PromiseRejectedResult).reason)}`);
  return due.length;
}
