import type { BranchRef } from "../../durable-objects/branch";
import type { BranchJson } from "./schemas";

/** The branch's Durable Object: one per branch, named by its id. */
export const branchObject = (env: Env, branchId: string) => env.BRANCH.get(env.BRANCH.idFromName(branchId));

export const branchRef = (branch: BranchJson): BranchRef => ({ branchId: branch.branch_id, expiresAt: branch.expires_at });

export const branchResource = (branchId: string) => ({ type: "branch", id: branchId });
export const tableResource = (table: string) => ({ type: "table", id: table });
