import type { Action } from "../authz/actions";
import { expandActions } from "./action-pattern";
import { type CompiledCondition, compileCondition } from "./cel-condition";
import type { NameMatcher } from "./glob";
import { type Effect, type PolicyRule, ROLE_PRINCIPAL_PREFIX } from "./policy-rule";
import { parseResourcePattern } from "./resource-pattern";

/** A policy ready to decide: principals as sets, its condition compiled (or broken, see below). */
export interface CompiledPolicy {
  id: string;
  effect: Effect;
  /** null: every agent. */
  principals: { agents: Set<string>; roles: Set<string> } | null;
  /** null: no condition. A stored condition that no longer compiles is kept as its error message. */
  condition: CompiledCondition | { broken: string } | null;
}

interface GlobEntry {
  policy: CompiledPolicy;
  matches: NameMatcher;
}

/** The policies of one effect, action and resource type (or `*`): exact names first, then globs. */
export interface Bucket {
  exact: Map<string, CompiledPolicy[]>;
  globs: GlobEntry[];
}

type ByType = Map<string, Bucket>;

/**
 * A compiled, indexed policy set. A decision looks up its effect, action and resource type, then the
 * resource id, so it reads only the policies that could match, however many there are.
 */
export interface PolicySet {
  version: string;
  size: number;
  index: Record<Effect, Map<Action, ByType>>;
}

function compilePolicy(rule: PolicyRule): CompiledPolicy {
  let principals: CompiledPolicy["principals"] = null;
  if (rule.principals !== null) {
    principals = { agents: new Set(), roles: new Set() };
    for (const p of rule.principals) {
      if (p.startsWith(ROLE_PRINCIPAL_PREFIX)) principals.roles.add(p.slice(ROLE_PRINCIPAL_PREFIX.length));
      else principals.agents.add(p);
    }
  }
  let condition: CompiledPolicy["condition"] = null;
  if (rule.condition !== null) {
    const compiled = compileCondition(rule.condition);
    condition = compiled.ok ? compiled.condition : { broken: compiled.message };
  }
  return { id: rule.policy_id, effect: rule.effect, principals, condition };
}

function bucketFor(byType: ByType, type: string): Bucket {
  let bucket = byType.get(type);
  if (!bucket) byType.set(type, (bucket = { exact: new Map(), globs: [] }));
  return bucket;
}

/**
 * Compiles rules that were validated when they were written (validate-policy.ts). Were one to fail now
 * anyway, its unknown actions and malformed patterns match nothing, and a broken condition counts as
 * an evaluation error (a deny then applies, an allow does not).
 */
export function compilePolicySet(rules: readonly PolicyRule[], version: string): PolicySet {
  const index: PolicySet["index"] = { allow: new Map(), deny: new Map() };
  // Sorted by id, so every bucket lists its policies in id order whatever order the rules came in.
  const sorted = [...rules].sort((a, b) => (a.policy_id < b.policy_id ? -1 : a.policy_id > b.policy_id ? 1 : 0));
  for (const rule of sorted) {
    const policy = compilePolicy(rule);
    const actions = new Set(rule.actions.flatMap(expandActions));
    const patterns = rule.resources.flatMap((r) => {
      const parsed = parseResourcePattern(r);
      return parsed.ok ? [parsed.pattern] : [];
    });
    for (const action of actions) {
      let byType = index[rule.effect].get(action);
      if (!byType) index[rule.effect].set(action, (byType = new Map()));
      for (const pattern of patterns) {
        const bucket = bucketFor(byType, pattern.type);
        if (pattern.exact) {
          const list = bucket.exact.get(pattern.id);
          if (!list) bucket.exact.set(pattern.id, [policy]);
          else if (list[list.length - 1] !== policy) list.push(policy);
        } else bucket.globs.push({ policy, matches: pattern.matches });
      }
    }
  }
  return { version, size: rules.length, index };
}

export const EMPTY_POLICY_SET_VERSION = "0";
