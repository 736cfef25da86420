/** What every figure needs: where the two servers are, the admin token, the settings. */
import type { BenchConfig } from "./config.ts";
import { expectJson } from "./http.ts";

export type BenchContext = {
  root: string;
  api: string;
  floor: string;
  adminToken: string;
  config: BenchConfig;
  /** Things the reader of RESULTS.md should know, collected along the way. */
  notes: string[];
  /** Runs one step and notes it if a server restarted meanwhile (wrangler dev rebuilds on file changes). */
  watch: <T>(label: string, step: () => Promise<T>) => Promise<T>;
};

/** Registers an agent through the admin API and issues it a key; returns the key. */
export async function agentWithKey(ctx: BenchContext, agentId: string, role = "agent"): Promise<string> {
  await expectJson({ method: "POST", url: `${ctx.api}/v1/agents`, key: ctx.adminToken, body: JSON.stringify({ agent_id: agentId, role, description: "bench" }) }, 201);
  const issued = await expectJson<{ api_key: string }>({ method: "POST", url: `${ctx.api}/v1/agents/${agentId}/keys`, key: ctx.adminToken }, 201);
  return issued.api_key;
}
