import type * as wire from "../api-types.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { RequestOptions, Transport } from "../transport.ts";

/** `POST /v1/events`: `{type, data, source?, event_id?, time?}`. */
export type PublishEventInput = wire.PublishEventInput;
/** What publishing answers: the runs the event started (or, for a duplicate, the first event's). */
export type PublishedEvent = wire.Published;
/** An event with its decisions: for each subscribed workflow, matched or not, why, and the run started. */
export type SwitchyardEvent = wire.Event;
export type EventDecision = SwitchyardEvent["decisions"][number];
export type EventType = wire.EventType;
export type PutEventTypeInput = wire.PutEventTypeInput;
export type DeletedEventType = wire.DeletedEventType;

export interface ListEventsOptions extends PageOptions, RequestOptions {
  type?: string;
  /** Only events received at or after this time. */
  since?: string | Date;
}

/**
 * Events (`/v1/events`): publish one, and read each with its decisions, so nobody has to guess why a
 * workflow did (not) run.
 *
 * @example
 * const { runs } = await agent.events.publish({ type: "anomaly.detected", source: "metrics", data: { severity: "critical" } });
 * const event = await agent.events.get(eventId); // event.decisions[i].reason says why each workflow did or did not start
 */
export class EventsResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Publishes an event: `POST /v1/events` → `{event_id, duplicate, runs}`. Without an `event_id` the client
   * makes one up, so that a retry after a lost answer is a duplicate on the server and starts nothing twice.
   */
  async publish(event: PublishEventInput, options?: RequestOptions): Promise<PublishedEvent> {
    const body = { ...event, event_id: event.event_id ?? `evt-${crypto.randomUUID()}` };
    return this.#transport.request({ method: "POST", path: "/v1/events", body, replayable: true, options });
  }

  /** One page of events, newest first: `GET /v1/events?type=&since=`. */
  async list(options: ListEventsOptions = {}): Promise<Page<SwitchyardEvent>> {
    const { limit, cursor, type, since, ...requestOptions } = options;
    const query = { limit, cursor, type, since: since instanceof Date ? since.toISOString() : since };
    return this.#transport.request({ method: "GET", path: "/v1/events", query, options: requestOptions });
  }

  listAll(options: Omit<ListEventsOptions, "cursor"> = {}): AsyncIterable<SwitchyardEvent> {
    return paginate((cursor) => this.list({ ...options, ...(cursor ? { cursor } : {}) }));
  }

  /** One event with its decisions: `GET /v1/events/{event_id}`. */
  async get(eventId: string, options?: RequestOptions): Promise<SwitchyardEvent> {
    return this.#transport.request({ method: "GET", path: path`/v1/events/${eventId}`, options });
  }
}

/**
 * Event types (`/v1/event-types`): a JSON Schema every event of the type must match (admins register them).
 * A string field with an `enum` is an ordered level in filters: `severity >= 'high'` compares positions.
 *
 * @example
 * await admin.eventTypes.put("anomaly.detected", { schema: { type: "object", properties: { severity: { type: "string", enum: ["low", "medium", "high", "critical"] } } } });
 */
export class EventTypesResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Registers or changes a type: `PUT /v1/event-types/{type}` (201 created, 200 changed). */
  async put(type: string, input: PutEventTypeInput, options?: RequestOptions): Promise<EventType> {
    return this.#transport.request({ method: "PUT", path: path`/v1/event-types/${type}`, body: input, replayable: true, options });
  }

  /** Registered and platform types, by name. */
  async list(page: PageOptions = {}, options?: RequestOptions): Promise<Page<EventType>> {
    return this.#transport.request({ method: "GET", path: "/v1/event-types", query: { ...page }, options });
  }

  listAll(page: Omit<PageOptions, "cursor"> = {}, options?: RequestOptions): AsyncIterable<EventType> {
    return paginate((cursor) => this.list({ ...page, ...(cursor ? { cursor } : {}) }, options));
  }

  async get(type: string, options?: RequestOptions): Promise<EventType> {
    return this.#transport.request({ method: "GET", path: path`/v1/event-types/${type}`, options });
  }

  async delete(type: string, options?: RequestOptions): Promise<DeletedEventType> {
    return this.#transport.request({ method: "DELETE", path: path`/v1/event-types/${type}`, options });
  }
}
