import { env } from "cloudflare:workers";
import { api, count, uniqueId } from "../helpers";

/** Creates a policy as admin (id made unique unless given) and returns its id; throws unless 201. */
export async function createPolicy(policy: Record<string, unknown>): Promise<string> {
  const body = { policy_id: uniqueId("pol"), ...policy };
  const res = await api("POST", "/v1/policies", { body });
  if (res.status !== 201) throw new Error(`could not create policy: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.policy_id as string;
}

export async function deletePolicy(policyId: string): Promise<void> {
  const res = await api("DELETE", `/v1/policies/${policyId}`);
  if (res.status !== 200) throw new Error(`could not delete policy: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Runs `body` with the policy in force, and removes it afterwards whatever happens. */
export async function withPolicy<T>(policy: Record<string, unknown>, body: (policyId: string) => Promise<T>): Promise<T> {
  const policyId = await createPolicy(policy);
  try {
    return await body(policyId);
  } finally {
    await deletePolicy(policyId);
  }
}

export const policyCount = () => count("SELECT COUNT(*) AS n FROM _policies");

export async function policySetVersion(): Promise<string> {
  const row = await env.DB.prepare("SELECT version FROM _policy_set WHERE id = 1").first<{ version: string }>();
  return row!.version;
}
