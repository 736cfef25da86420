import { ALL_ACTIONS } from "../authz/actions";
import { NAME_PATTERN } from "../http/openapi";
import { expandActions } from "./action-pattern";
import { compileCondition } from "./cel-condition";
import { ROLE_PRINCIPAL_PREFIX, type PolicyRule } from "./policy-rule";
import { parseResourcePattern } from "./resource-pattern";

export interface PolicyIssue {
  path: string;
  message: string;
}

const ROLES = ["agent", "reader", "admin"];

/**
 * What is wrong with a policy beyond its JSON shape, one issue per failing field path: actions that
 * name no known action, malformed resource patterns, principals that are neither agent ids nor roles,
 * and a condition that does not compile or type-check.
 */
export function policyIssues(rule: Pick<PolicyRule, "actions" | "resources" | "principals" | "condition">): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  rule.actions.forEach((action, i) => {
    if (expandActions(action).length === 0)
      issues.push({
        path: `actions[${i}]`,
        message: `'${action}' is not a known action and no known action matches it as a glob (known: ${ALL_ACTIONS.join(" ")})`,
      });
  });
  rule.resources.forEach((resource, i) => {
    const parsed = parseResourcePattern(resource);
    if (!parsed.ok) issues.push({ path: `resources[${i}]`, message: parsed.message });
  });
  rule.principals?.forEach((principal, i) => {
    const message = principalIssue(principal);
    if (message) issues.push({ path: `principals[${i}]`, message });
  });
  if (rule.condition !== null) {
    const compiled = compileCondition(rule.condition);
    if (!compiled.ok) issues.push({ path: "condition", message: compiled.message });
  }
  return issues;
}

function principalIssue(principal: string): string | undefined {
  if (principal.startsWith(ROLE_PRINCIPAL_PREFIX)) {
    const role = principal.slice(ROLE_PRINCIPAL_PREFIX.length);
    return ROLES.includes(role) ? undefined : `'${role}' is not a role: use role:agent, role:reader or role:admin`;
  }
  return NAME_PATTERN.test(principal) ? undefined : "must be an agent id or role:<role>";
}
