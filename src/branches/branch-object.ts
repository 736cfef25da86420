import type { BranchRef } from "../../durable-objects/branch";

/** The branch's Durable Object: one per branch, named by its id. */
export const branchObject = (env: Env, branchId: string) => env.BRANCH.get(env.BRANCH.idFromName(branchId));

export const branchRef = (branchId: string): BranchRef => ({ branchId });

export const branchResource = (branchId: string) => ({ type: "branch", id: branchId });
export const tableResource = (table: string) => ({ type: "table", id: table });
