// The TypeScript client of Switchyard's HTTP API (api-v1.md), published as `@switchyard/client`. Its types
// are printed from the server's zod schemas into api-types.ts, so it imports nothing but its own files and
// runs anywhere `fetch` does, with no dependency on zod or the Worker.
export { Switchyard, type WhoAmI } from "./switchyard.ts";
export { SwitchyardError, type ApiErrorCode, type ClientErrorCode, type SwitchyardErrorInit } from "./errors.ts";
export type { CreateOptions, FetchLike, RequestOptions, SwitchyardOptions } from "./transport.ts";
export { paginate, type Page, type PageOptions } from "./pagination.ts";
export type { Agent, AgentsResource, CreateAgentInput, DeletedAgent, Role, UpdateAgentInput } from "./resources/agents.ts";
export type { AgentKey, AgentKeysResource, IssuedKey, RevokedKey } from "./resources/agent-keys.ts";
export type { CompareAndSetOptions, DeletedState, JsonValue, StateEntry, StateKeySummary, StateResource } from "./resources/state.ts";
export type {
  CleanupMemoryInput,
  CleanupResult,
  DeletedMemory,
  ListMemoryOptions,
  Memory,
  MemoryBatch,
  MemoryFilter,
  MemoryResource,
  MemoryType,
  SearchMemoryInput,
  SearchResponse,
  SearchResult,
  StoreMemoryInput,
} from "./resources/memory.ts";
export type { CreatePolicyInput, DeletedPolicy, PoliciesResource, Policy } from "./resources/policies.ts";
export type { DeploymentGuardRails, GuardRailsInput, GuardRailsResource } from "./resources/guard-rails.ts";
export type {
  Branch,
  BranchDiff,
  BranchWriteInput,
  BranchWriteResult,
  BranchesResource,
  CreateBranchInput,
  ListBranchesOptions,
  MergeConflict,
  MergeInput,
  MergeResult,
} from "./resources/branches.ts";
export type { QueryInput, QueryParam, QueryResult } from "./resources/query.ts";
export type { ChainVerification, CotResource, CotSession, CotSessionQuery, CotStep, CotStepPage, CotStepPageOptions, LogStepBatchInput, LogStepInput, LoggedStep, LoggedStepBatch, StepType } from "./resources/cot.ts";
export type { CreateTriggerInput, DeletedTrigger, Trigger, TriggerActionInput, TriggerNotification, TriggersResource, TriggerTestResult, UpdateTriggerInput } from "./resources/triggers.ts";
export type { ListDeliveriesOptions, WebhookDeliveriesResource, WebhookDelivery, WebhooksResource } from "./resources/webhooks.ts";
export type { Run, RunMessage, RunStatus, RunSummary, ListRunsOptions, SendRunMessageInput, DelegateInput, RunsResource, Trace, OtlpTrace } from "./resources/runs.ts";
export type { RunState, RunStateEntry, RunStateResource, RunStateWrite } from "./resources/run-state.ts";
export type { Task, CompleteTaskInput, TaskFeedbackInput, TasksResource } from "./resources/tasks.ts";
export type { AbTest, AbTestArm, AbTestStatus, AbMetricName, AbTestsResource, CreateAbTestInput, ListAbTestsOptions } from "./resources/ab-tests.ts";
export type {
  DeletedEventType,
  EventDecision,
  EventsResource,
  EventType,
  EventTypesResource,
  ListEventsOptions,
  PublishEventInput,
  PublishedEvent,
  PutEventTypeInput,
  SwitchyardEvent,
} from "./resources/events.ts";
export { AgentWorker, type TaskContext, type TaskHandler, type WorkerOptions } from "./agent-worker.ts";
export type { AckResult, InboxItem, InboxTask, InboxMessage, InboxMessageBatch, InboxNotification, InboxResource, PollOptions, SendMessageInput } from "./resources/inbox.ts";
export type { InboxSubscription, SocketLike, SubscribeOptions, WebSocketConstructor } from "./inbox-subscription.ts";
export type { AgentVersion, EndpointSecret, DeprecateVersionInput, PublishVersionInput, ResolvedReference, VersionsResource } from "./resources/versions.ts";
export type {
  DefinitionIssue,
  DeletedWorkflow,
  DryRun,
  DryRunFinding,
  DryRunInput,
  HookKey,
  PutWorkflowResult,
  RotatedHook,
  SchedulePreview,
  TriggerDecision,
  TriggerListing,
  TriggerStatus,
  Workflow,
  WorkflowBottlenecks,
  WorkflowDocument,
  WorkflowGraph,
  WorkflowRevision,
  WorkflowSummary,
  WorkflowsResource,
} from "./resources/workflows.ts";
