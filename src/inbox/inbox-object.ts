import type { AgentObject } from "../../durable-objects/agent";
import { agentObject } from "../state/agent-state";

type InboxMethods = "deliver" | "sendMessages" | "poll" | "ack" | "history" | "fetch" | "retractTask";

/**
 * The agent's object seen through its inbox methods, typed as the class declares them. The runtime's
 * RPC stub type maps every result through its serialisable-type machinery, which cannot finish on the
 * recursive JSON of a message body ("type instantiation is excessively deep"); the values themselves
 * cross RPC unchanged (structured clone of plain JSON).
 */
export type InboxObject = Pick<AgentObject, InboxMethods>;

export const inboxObject = (env: Env, agentId: string): InboxObject => agentObject(env, agentId) as unknown as InboxObject;
