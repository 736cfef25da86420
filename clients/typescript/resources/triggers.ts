import type * as wire from "../api-types.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** A trigger as the server shows it (a webhook's secret appears only as `secret_set: true`). */
export type Trigger = wire.Trigger;
/** `POST /v1/triggers`: `threshold` is a cosine similarity in 0..1; `namespaces` defaults to all. */
export type CreateTriggerInput = wire.CreateTriggerInput;
/** `PATCH /v1/triggers/{id}`: some or all of the fields; a new webhook action must carry its secret again. */
export type UpdateTriggerInput = wire.UpdateTriggerInput;
/** `agent_notify`, `webhook` (with `url` and `secret`), `write_event` or `emit_event` (with `event_type`). */
export type TriggerActionInput = wire.ActionInput;
/** What `test` answers: would a memory with this content fire the trigger? */
export type TriggerTestResult = wire.TestResult;
/** What deleting a trigger answers. */
export type DeletedTrigger = wire.DeletedTrigger;
/** The notification a fired trigger carries (in an inbox item, or in a webhook's `data`). */
export type TriggerNotification = wire.Notification;

/**
 * Semantic triggers (`/v1/triggers`): every memory stored afterwards that is close enough to a concept
 * notifies an agent's inbox, calls a signed webhook, or writes an audit event.
 *
 * @example
 * await coordinator.triggers.create({
 *   name: "segment insights for agent-b",
 *   concept: "customer segment insights",
 *   threshold: 0.6,
 *   action: { type: "agent_notify", target_agent_id: "agent-b" },
 *   cooldown_seconds: 0,
 * });
 */
export class TriggersResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Registers a trigger: `POST /v1/triggers` → 201. */
  async create(input: CreateTriggerInput, options?: CreateOptions): Promise<Trigger> {
    return this.#transport.request({ method: "POST", path: "/v1/triggers", body: input, creates: true, options });
  }

  /** One page of triggers, oldest first: `GET /v1/triggers`. */
  async list(page: PageOptions = {}, options?: RequestOptions): Promise<Page<Trigger>> {
    return this.#transport.request({ method: "GET", path: "/v1/triggers", query: { ...page }, options });
  }

  /** Every trigger, fetching pages as the loop goes. */
  listAll(page: Omit<PageOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<Trigger, void, undefined> {
    return paginate((cursor) => this.list({ ...page, cursor }, options));
  }

  /** `GET /v1/triggers/{trigger_id}`. */
  async get(triggerId: string, options?: RequestOptions): Promise<Trigger> {
    return this.#transport.request({ method: "GET", path: path`/v1/triggers/${triggerId}`, options });
  }

  /** Changes a trigger (its creator or an admin): `PATCH /v1/triggers/{trigger_id}`. */
  async update(triggerId: string, patch: UpdateTriggerInput, options?: RequestOptions): Promise<Trigger> {
    // Setting the same fields again changes nothing more: safe to repeat.
    return this.#transport.request({ method: "PATCH", path: path`/v1/triggers/${triggerId}`, body: patch, replayable: true, options });
  }

  /** Deletes a trigger (its creator or an admin): `DELETE /v1/triggers/{trigger_id}`. */
  async delete(triggerId: string, options?: RequestOptions): Promise<DeletedTrigger> {
    return this.#transport.request({ method: "DELETE", path: path`/v1/triggers/${triggerId}`, options });
  }

  /** Scores content against the trigger without storing it: `POST /v1/triggers/{trigger_id}/test`. */
  async test(triggerId: string, content: string, options?: RequestOptions): Promise<TriggerTestResult> {
    return this.#transport.request({ method: "POST", path: path`/v1/triggers/${triggerId}/test`, body: { content }, replayable: true, options });
  }
}
