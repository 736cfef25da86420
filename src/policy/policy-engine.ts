import type { Action, Resource } from "../authz/actions";
import { roleDefault } from "../authz/role-defaults";
import { type Activation, activation } from "./cel-condition";
import type { Bucket, CompiledPolicy, PolicySet } from "./policy-set";
import type { DecisionContext, Effect, PolicyDecision, Subject } from "./policy-rule";

/**
 * Decides whether `subject` may take `action` on `resource`. Pure: no I/O, no clock (the time is in
 * `context`). The semantics, in order:
 *
 * 1. A policy matches when one of its actions (or action globs) names the action, one of its resource
 *    patterns matches `<type>:<id>`, its principals include the agent's id or `role:<its role>` (no
 *    principals: everyone), and its condition, if any, is true.
 * 2. A matching **deny** wins over any allow. A deny whose condition fails to evaluate (a missing
 *    attribute, a type error at run time) counts as matching: a deny fails closed.
 * 3. Otherwise the **role defaults** apply (authz/role-defaults.ts): admins may do anything, readers may
 *    only read, agents read and write except what another agent owns (its private namespace, its
 *    state, its inbox), which they may read only where the default says so.
 * 4. Where the role default refuses, a matching **allow** lifts the refusal only if it is the ownership
 *    rule: an allow may share agent-a's state or namespace with agent-b. It never grants the admin-only
 *    actions (`agent:manage`, `policy:manage`) to a non-admin and never lets a reader write: the
 *    reader's read-only default is a ceiling, so a supervisor stays a supervisor whatever the policies
 *    say. An allow whose condition fails to evaluate does not match.
 * 5. Where several policies of the deciding effect match, the one with the smallest policy_id is named,
 *    so a decision never depends on the order in which policies were written or loaded.
 *
 * The admin token is not an agent and never reaches this function (authz/authorize.ts): it is the
 * break-glass that can always remove a policy that locked everyone out.
 */
export function decide(set: PolicySet, subject: Subject, action: Action, resource: Resource, context: DecisionContext): PolicyDecision {
  const evaluation = new Evaluation(subject, action, resource, context);
  const deny = evaluation.firstMatch(set, "deny");
  if (deny) return { allowed: false, policy_id: deny.id, reason: deny.reason };

  const fallback = roleDefault({ agentId: subject.agent_id, role: subject.role }, action, resource);
  if (fallback.allowed) return { allowed: true, policy_id: null, reason: `the ${subject.role} role's default` };
  if (!fallback.liftable) return { allowed: false, policy_id: null, reason: fallback.reason };

  const allow = evaluation.firstMatch(set, "allow");
  if (allow) return { allowed: true, policy_id: allow.id, reason: allow.reason };
  return { allowed: false, policy_id: null, reason: fallback.reason };
}

/** One decision's walk over the index; the CEL activation is built at most once, and only if needed. */
class Evaluation {
  #activation: Activation | undefined;
  #best: { id: string; reason: string } | undefined;
  #effect: Effect = "deny";
  readonly #subject: Subject;
  readonly #action: Action;
  readonly #resource: Resource;
  readonly #context: DecisionContext;

  constructor(subject: Subject, action: Action, resource: Resource, context: DecisionContext) {
    this.#subject = subject;
    this.#action = action;
    this.#resource = resource;
    this.#context = context;
  }

  /** The matching policy of this effect with the smallest id, and why it matched. */
  firstMatch(set: PolicySet, effect: Effect): { id: string; reason: string } | undefined {
    this.#best = undefined;
    this.#effect = effect;
    const byType = set.index[effect].get(this.#action);
    if (!byType) return undefined;
    const typed = byType.get(this.#resource.type);
    if (typed) this.#scan(typed);
    const anyType = byType.get("*");
    if (anyType) this.#scan(anyType);
    return this.#best;
  }

  #scan(bucket: Bucket) {
    const exact = bucket.exact.get(this.#resource.id);
    if (exact) for (const policy of exact) if (this.#consider(policy)) break;
    for (const entry of bucket.globs) {
      // Lists are in id order: past the best match so far, nothing later in this list can replace it.
      if (this.#best && entry.policy.id >= this.#best.id) break;
      if (entry.matches(this.#resource.id)) this.#consider(entry.policy);
    }
  }

  /** Records the policy if it matches and beats the best so far; true once the rest of its list cannot. */
  #consider(policy: CompiledPolicy): boolean {
    if (this.#best && policy.id >= this.#best.id) return true;
    const { principals } = policy;
    if (principals && !principals.agents.has(this.#subject.agent_id) && !principals.roles.has(this.#subject.role)) return false;
    const verb = this.#effect === "deny" ? "denied" : "allowed";
    const matched = this.#condition(policy);
    if (matched === false) return false;
    const reason =
      matched === true
        ? `${verb} by policy '${policy.id}'`
        : `denied by policy '${policy.id}': its condition could not be evaluated (${matched.error}), and a deny fails closed`;
    if (matched !== true && this.#effect === "allow") return false; // an allow that errs does not match
    this.#best = { id: policy.id, reason };
    return true;
  }

  #condition(policy: CompiledPolicy): boolean | { error: string } {
    const condition = policy.condition;
    if (condition === null) return true;
    if (typeof condition !== "function") return { error: condition.broken };
    this.#activation ??= activation({
      subject: this.#subject,
      resource: { type: this.#resource.type, id: this.#resource.id },
      action: this.#action,
      context: this.#context,
    });
    return condition(this.#activation);
  }
}
