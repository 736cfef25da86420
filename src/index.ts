import { app } from "./app";
import { runScheduledWork } from "./scheduled";
import { handleQueueBatch } from "./queues";

export { AgentObject } from "../durable-objects/agent";
export { BranchObject } from "../durable-objects/branch";
export { VectorShard } from "../durable-objects/vector-shard";
export { LedgerSession } from "../durable-objects/ledger-session";
export { WorkflowRun } from "../durable-objects/workflow-run";
export { LifecycleTrigger } from "../durable-objects/lifecycle-trigger";

export default {
  fetch: app.fetch,
  queue: handleQueueBatch,
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(runScheduledWork(controller, env));
  },
} satisfies ExportedHandler<Env>;
