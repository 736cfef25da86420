import { DurableObject } from "cloudflare:workers";

/**
 * One branch's consistency unit: its copy-on-write rows and its merge. The binding and class are
 * declared now so deployments carry them from the first version; the branch API (api-v1.md,
 * "Branches") fills it in.
 */
export class BranchObject extends DurableObject<Env> {}
