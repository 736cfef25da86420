import type { Action } from "../authz/actions";
import type { PolicySet } from "./policy-set";
import type { Subject } from "./policy-rule";

/**
 * Whether any policy could take part in deciding `action` on a resource of `type` for `subject`: one that
 * names the action (globs are expanded when the set is compiled), a pattern of that type or of any type,
 * and principals that include the subject (or none). Where none can, `decide` answers with the role
 * default for every id of that type (policy-engine.ts, steps 2 to 4), so a caller's view of a whole table
 * of such resources can be written as the role default's ownership rule instead of one decision per id.
 */
export function policiesReach(set: PolicySet, subject: Pick<Subject, "agent_id" | "role">, action: Action, type: string): boolean {
  for (const effect of ["deny", "allow"] as const) {
    const byType = set.index[effect].get(action);
    if (!byType) continue;
    for (const bucket of [byType.get(type), byType.get("*")]) {
      if (!bucket) continue;
      const policies = [...[...bucket.exact.values()].flat(), ...bucket.globs.map((g) => g.policy)];
      if (policies.some(({ principals }) => principals === null || principals.agents.has(subject.agent_id) || principals.roles.has(subject.role))) return true;
    }
  }
  return false;
}
