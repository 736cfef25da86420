import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { authenticate } from "./http/auth";
import type { AppEnv } from "./http/context";
import { ApiError, onError } from "./http/errors";
import { inProcessCaller } from "./http/in-process";
import { jsonDepthGuard } from "./http/json-depth";
import { requestId } from "./http/request-id";
import { agentRoutes } from "./routes/agents";
import { cotRoutes } from "./routes/cot";
import { inboxRoutes } from "./routes/inbox";
import { branchRoutes } from "./routes/branches";
import { mountMcp } from "./routes/mcp";
import { memoryRoutes } from "./routes/memory";
import { policyRoutes } from "./routes/policies";
import { queryRoutes } from "./routes/query";
import { stateRoutes } from "./routes/state";
import { tableRoutes } from "./routes/tables";
import { triggerRoutes } from "./routes/triggers";
import { versionRoutes } from "./routes/versions";
import { webhookRoutes } from "./routes/webhooks";
import { runRoutes } from "./routes/runs";
import { taskRoutes } from "./routes/tasks";
import { runStateRoutes } from "./routes/run-state";
import { observabilityRoutes } from "./routes/observability";
import { workflowRoutes } from "./routes/workflows";
import { endpointSecretRoutes } from "./routes/endpoint-secret";
import { guardRailRoutes } from "./routes/guard-rails";
import { dryRunRoutes } from "./routes/dry-runs";
import { abTestRoutes } from "./routes/ab-tests";
import { eventRoutes } from "./routes/events";
import { eventTypeRoutes } from "./routes/event-types";
import { mountSystemRoutes } from "./routes/system";
import { mountHooks } from "./routes/hooks";
import { lifecycleTriggerRoutes } from "./routes/lifecycle-triggers";

/** Bodies may carry a 1 MiB state value plus its envelope; anything larger is refused before parsing. */
export const MAX_BODY_BYTES = 1024 * 1024 + 64 * 1024;

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(onError);
  app.notFound(() => {
    throw new ApiError("not_found", "No such route; see /docs for the API reference.");
  });
  app.use(requestId);
  // Webhook triggers: outside /v1, no `authenticate` (each hook's own auth decides), their own body limit.
  mountHooks(app);
  app.use("/v1/*", inProcessCaller);
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError("payload_too_large", `The request body is over ${MAX_BODY_BYTES} bytes.`);
      },
    }),
  );
  app.use("/v1/*", jsonDepthGuard);
  app.use("/v1/*", authenticate);
  app.route("/", agentRoutes);
  app.route("/", stateRoutes);
  app.route("/", memoryRoutes);
  app.route("/", policyRoutes);
  app.route("/", branchRoutes);
  app.route("/", queryRoutes);
  app.route("/", cotRoutes);
  app.route("/", triggerRoutes);
  app.route("/", webhookRoutes);
  app.route("/", inboxRoutes);
  app.route("/", runRoutes);
  app.route("/", taskRoutes);
  app.route("/", runStateRoutes);
  app.route("/", observabilityRoutes);
  app.route("/", versionRoutes);
  app.route("/", workflowRoutes);
  app.route("/", endpointSecretRoutes);
  app.route("/", dryRunRoutes);
  app.route("/", lifecycleTriggerRoutes);
  app.route("/", tableRoutes);
  app.route("/", guardRailRoutes);
  mountMcp(app, MAX_BODY_BYTES);
  app.route("/", abTestRoutes);
  app.route("/", eventRoutes);
  app.route("/", eventTypeRoutes);
  mountSystemRoutes(app);
  return app;
}

export const app = createApp();
export type App = typeof app;
