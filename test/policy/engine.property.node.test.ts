import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALL_ACTIONS, type Action, type Resource } from "../../src/authz/actions";
import type { Role } from "../../src/authz/principal";
import { roleDefault } from "../../src/authz/role-defaults";
import { activation, compileCondition } from "../../src/policy/cel-condition";
import { globMatcher } from "../../src/policy/glob";
import { decide } from "../../src/policy/policy-engine";
import type { PolicyRule, Subject } from "../../src/policy/policy-rule";
import { compilePolicySet } from "../../src/policy/policy-set";

// Small worlds, so that generated policies and requests meet often.
const AGENTS = ["a", "b", "c"];
const ROLES: Role[] = ["agent", "reader", "admin"];
const TYPES = ["memory", "state", "inbox", "table"];
const IDS = ["a", "b", "shared-kb", "shared-ops", "x:y"];
const CONDITIONS = [null, "true", "false", 'subject.agent_id == "a"', 'subject.attributes.team == "finance"', 'resource.id.startsWith("shared")', 'action.endsWith(":read")'];
const context = { now: new Date("2026-11-21T10:30:00.000Z"), request_id: "req_property" };

/** The reference glob: `*` is `.*`, everything else literal, anchored. */
const referenceGlob = (pattern: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s");

const actionPattern = fc.oneof(
  fc.constantFrom(...ALL_ACTIONS),
  fc.constantFrom("memory:*", "state:*", "*:read", "*:write", "*", "*:manage", "branch:*"),
);
const resourcePattern = fc.oneof(
  fc.tuple(fc.constantFrom(...TYPES), fc.constantFrom(...IDS)).map(([t, id]) => `${t}:${id}`),
  fc.tuple(fc.constantFrom(...TYPES, "*"), fc.constantFrom("*", "shared-*", "*-kb", "*a*", "x:*")).map(([t, id]) => `${t}:${id}`),
  fc.constant("*"),
);
const principals = fc.option(fc.uniqueArray(fc.constantFrom(...AGENTS, "role:agent", "role:reader", "role:admin"), { minLength: 1, maxLength: 3 }), { nil: null });

const rules = (maxLength = 12) =>
  fc
    .uniqueArray(
      fc.record({
        policy_id: fc.stringMatching(/^p[0-9a-f]{1,4}$/),
        effect: fc.constantFrom("allow" as const, "deny" as const),
        actions: fc.uniqueArray(actionPattern, { minLength: 1, maxLength: 3 }),
        resources: fc.uniqueArray(resourcePattern, { minLength: 1, maxLength: 3 }),
        principals,
        condition: fc.constantFrom(...CONDITIONS),
      }),
      { maxLength, selector: (r) => r.policy_id },
    )
    .map((list) => list as PolicyRule[]);

const subject = fc.record({
  agent_id: fc.constantFrom(...AGENTS),
  role: fc.constantFrom(...ROLES),
  attributes: fc.constantFrom<Record<string, unknown>>({}, { team: "finance" }, { team: "ops" }),
}) as fc.Arbitrary<Subject>;

const resource = fc
  .tuple(fc.constantFrom(...TYPES), fc.constantFrom(...IDS), fc.constantFrom(undefined, ...AGENTS))
  .map(([type, id, owner]): Resource => (owner === undefined ? { type, id } : { type, id, owner }));

const action = fc.constantFrom(...ALL_ACTIONS);

/** The semantics of policy-engine.ts, written as plainly as possible: filter everything, then decide. */
function referenceDecision(all: PolicyRule[], s: Subject, act: Action, res: Resource) {
  const act_ = activation({ subject: s, resource: { type: res.type, id: res.id }, action: act, context });
  const outcome = (rule: PolicyRule) => {
    if (rule.condition === null) return true;
    const compiled = compileCondition(rule.condition);
    if (!compiled.ok) throw new Error(compiled.message);
    return compiled.condition(act_);
  };
  const applies = (rule: PolicyRule) =>
    rule.actions.some((p) => referenceGlob(p).test(act)) &&
    rule.resources.some((p) => p === "*" || (([t, ...id]) => (t === "*" || t === res.type) && referenceGlob(id.join(":")).test(res.id))(p.split(":"))) &&
    (rule.principals === null || rule.principals.includes(s.agent_id) || rule.principals.includes(`role:${s.role}`));
  const byId = [...all].sort((x, y) => (x.policy_id < y.policy_id ? -1 : 1));
  const deny = byId.find((r) => r.effect === "deny" && applies(r) && outcome(r) !== false);
  if (deny) return { allowed: false, policy_id: deny.policy_id };
  const fallback = roleDefault({ agentId: s.agent_id, role: s.role }, act, res);
  if (fallback.allowed) return { allowed: true, policy_id: null };
  if (!fallback.liftable) return { allowed: false, policy_id: null };
  const allow = byId.find((r) => r.effect === "allow" && applies(r) && outcome(r) === true);
  return allow ? { allowed: true, policy_id: allow.policy_id } : { allowed: false, policy_id: null };
}

const run = (list: PolicyRule[], s: Subject, act: Action, res: Resource) => decide(compilePolicySet(list, "v"), s, act, res, context);

describe("policy engine (properties)", () => {
  it("a deny that matches wins over any allow, wherever it stands among the policies", () => {
    fc.assert(
      fc.property(rules(), subject, action, resource, fc.nat(), (list, s, act, res, at) => {
        const deny: PolicyRule = { policy_id: "zz-deny", effect: "deny", actions: [act], resources: [`${res.type}:${res.id}`], principals: null, condition: null };
        // Allows that match the request outright, so the deny has something to beat.
        const allows = list.map((r): PolicyRule => ({ ...r, effect: "allow", actions: [...r.actions, act], resources: ["*"], principals: null, condition: null }));
        const withDeny = [...allows];
        withDeny.splice(at % (withDeny.length + 1), 0, deny);
        const decision = run(withDeny, s, act, res);
        expect(decision.allowed).toBe(false);
        expect(decision.policy_id).toBe("zz-deny");
      }),
      { numRuns: 300 },
    );
  });

  it("glob matching agrees with a reference matcher", () => {
    const text = (chars: string[], maxLength: number) => fc.array(fc.constantFrom(...chars), { maxLength }).map((c) => c.join(""));
    fc.assert(
      fc.property(text(["a", "b", "-", ":", "*"], 8), text(["a", "b", "-", ":"], 10), (pattern, name) => {
        expect(globMatcher(pattern)(name)).toBe(referenceGlob(pattern).test(name));
      }),
      { numRuns: 3000 },
    );
  });

  it("where no policy applies to the action, the role defaults decide", () => {
    fc.assert(
      fc.property(rules(), subject, action, resource, (list, s, act, res) => {
        const elsewhere = list.filter((r) => !r.actions.some((p) => referenceGlob(p).test(act)));
        const decision = run(elsewhere, s, act, res);
        const fallback = roleDefault({ agentId: s.agent_id, role: s.role }, act, res);
        expect(decision.allowed).toBe(fallback.allowed);
        expect(decision.policy_id).toBe(null);
        if (!fallback.allowed) expect(decision.reason).toBe(fallback.reason);
      }),
      { numRuns: 500 },
    );
  });

  it("decisions do not depend on the order of the policies", () => {
    fc.assert(
      fc.property(rules(), subject, action, resource, fc.infiniteStream(fc.nat()), (list, s, act, res, randoms) => {
        const shuffled = [...list];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = randoms.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(run(shuffled, s, act, res)).toEqual(run(list, s, act, res));
      }),
      { numRuns: 500 },
    );
  });

  it("agrees with a plain reference model of the semantics, index and all", () => {
    fc.assert(
      fc.property(rules(20), subject, action, resource, (list, s, act, res) => {
        const decision = run(list, s, act, res);
        expect({ allowed: decision.allowed, policy_id: decision.policy_id }).toEqual(referenceDecision(list, s, act, res));
      }),
      { numRuns: 2000 },
    );
  });

  it("an allow never grants admin-only actions to non-admins nor writes to readers", () => {
    fc.assert(
      fc.property(rules(), subject, action, resource, (list, s, act, res) => {
        const allowAll = list.map((r): PolicyRule => ({ ...r, effect: "allow" }));
        allowAll.push({ policy_id: "allow-everything", effect: "allow", actions: ["*"], resources: ["*"], principals: null, condition: null });
        const decision = run(allowAll, s, act, res);
        if (s.role !== "admin" && (act === "agent:manage" || act === "policy:manage")) expect(decision.allowed).toBe(false);
        if (s.role === "reader" && !act.endsWith(":read")) expect(decision.allowed).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
