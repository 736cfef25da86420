import { z } from "zod";
import { segment } from "../rest-client";
import { READS, REPLACES, defineTool } from "../tool";
import { agentId } from "./arguments";

const key = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,255}$/, "must be 1-256 characters: letters, digits and . _ : - (starting with a letter or digit)")
  .describe("The state key, e.g. phase1_output: namespaced keys avoid collisions.");

interface StateEntry {
  agent_id: string;
  key: string;
  value: unknown;
  version: number;
  updated_at: string;
}

export const getAgentState = defineTool({
  name: "get_agent_state",
  title: "Read an agent's state",
  description:
    "Read a durable state value, yours or another agent's (how a successor resumes where a predecessor stopped). " +
    "Returns {key, value, agent_id, version, updated_at}; a key never set is an error result with code not_found.",
  input: z.strictObject({
    key,
    agent_id: agentId("Whose state: defaults to your own agent id.").optional(),
  }),
  annotations: READS,
  run: async ({ key, agent_id }, { rest, caller }) => {
    const entry = await rest.get<StateEntry>(`/v1/state/${segment(agent_id ?? caller.agentId)}/${segment(key)}`);
    return { key: entry.key, value: entry.value, agent_id: entry.agent_id, version: entry.version, updated_at: entry.updated_at };
  },
});

export const setAgentState = defineTool({
  name: "set_agent_state",
  title: "Write your state",
  description:
    "Write a durable state value under a key of your own state (any JSON up to 1 MiB), e.g. a phase's output for the agent that continues the work. " +
    "It survives restarts; each write increments the key's version. Pass expected_version to write only if nobody wrote since you read it. " +
    'Returns {key, status: "ok", version}.',
  input: z.strictObject({
    key,
    value: z.json().describe("The value, as JSON."),
    expected_version: z.number().int().min(0).optional().describe("Write only if the key is at this version (0: only if unset); otherwise a conflict error."),
  }),
  annotations: REPLACES,
  run: async ({ key, value, expected_version }, { rest, caller }) => {
    const entry = await rest.put<StateEntry>(`/v1/state/${segment(caller.agentId)}/${segment(key)}`, { body: { value, expected_version } });
    return { key: entry.key, status: "ok", version: entry.version };
  },
});

export const STATE_TOOLS = [getAgentState, setAgentState];
