import { ALL_ACTIONS, type Action } from "../authz/actions";
import { globMatcher, isGlob } from "./glob";

/**
 * The actions an action pattern names: itself if known, or every known action its glob matches. The
 * actions are a closed list, so globs are expanded once, when a policy set is compiled.
 */
export function expandActions(pattern: string): Action[] {
  if (!isGlob(pattern)) return ALL_ACTIONS.includes(pattern as Action) ? [pattern as Action] : [];
  const matches = globMatcher(pattern);
  return ALL_ACTIONS.filter((action) => matches(action));
}
