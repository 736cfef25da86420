import type { Database } from "../db/client";
import { compilePolicySet, type PolicySet } from "./policy-set";
import { loadPolicyRules } from "./policy-store";

/**
 * The compiled policy set of this isolate. Authentication reads the set's current version in the same
 * statement as the caller's key (see http/auth.ts); a decision reloads and recompiles only when that
 * differs from the version held here, so an unchanged set costs no D1 round trip, and a change (which
 * writes a new version in the same batch) is seen by every isolate on its next request.
 */
let current: PolicySet | undefined;
let loading: { version: string; promise: Promise<PolicySet> } | undefined;

export async function policySetAt(db: Database, version: string | undefined): Promise<PolicySet> {
  if (current && version !== undefined && current.version === version) return current;
  // Concurrent requests that need the same reload share it.
  if (loading && loading.version === version) return loading.promise;
  const promise = loadPolicyRules(db).then(({ version: loaded, rules }) => {
    const set = compilePolicySet(rules, loaded);
    current = set;
    return set;
  });
  loading = { version: version ?? "", promise };
  try {
    return await promise;
  } finally {
    if (loading?.promise === promise) loading = undefined;
  }
}
