// A Cloudflare Queues producer for Switchyard. Systems that cannot (or should not) call Switchyard's API
// directly post here; each event goes onto the `switchyard-events` queue, which Switchyard consumes exactly
// like POST /v1/events: checked against its registered type, matched against the workflows that subscribe
// to it, stored with its decisions, its runs started. The queue answers at once, absorbs bursts and retries
// for you; an event it delivers twice starts nothing twice (give it an `event_id`, or let the message's
// own id name it).
//
//   POST /publish                 one event, or a list of up to 1,000: {type, data, source?, event_id?, time?}
//   POST /ingest/warehouse-load   a warehouse loader's notice {table, rows, loaded_at}, as a `data.loaded` event
//   anything else                 passed on to Switchyard when the SWITCHYARD service binding is set

interface ProducerEnv {
  SWITCHYARD_EVENTS: Queue;
  SWITCHYARD?: Fetcher;
}

/** What Switchyard takes as an event (it checks the rest and records what it refuses). */
interface SwitchyardEvent {
  type: string;
  data: unknown;
  source?: string | null;
  event_id?: string;
  time?: string;
}

/** A Queues batch holds at most 100 messages. */
const BATCH = 100;
const MAX_EVENTS = 1000;

const json = (body: unknown, status: number) => Response.json(body, { status });

function isEvent(value: unknown): value is SwitchyardEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const e = value as Record<string, unknown>;
  return typeof e.type === "string" && e.type.length > 0 && "data" in e;
}

async function enqueue(env: ProducerEnv, events: SwitchyardEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += BATCH) await env.SWITCHYARD_EVENTS.sendBatch(events.slice(i, i + BATCH).map((body) => ({ body, contentType: "json" as const })));
}

async function publish(request: Request, env: ProducerEnv): Promise<Response> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return json({ error: "send JSON: one event {type, data, ...} or a list of them" }, 400);
  }
  const events = Array.isArray(body) ? body : [body];
  if (events.length === 0 || events.length > MAX_EVENTS) return json({ error: `send 1 to ${MAX_EVENTS} events` }, 400);
  // Only the envelope is checked here, so that a typo fails fast; Switchyard checks the data against the
  // type's registered schema and records a refused event with why (GET /v1/events?type=...).
  const bad = events.findIndex((e) => !isEvent(e));
  if (bad >= 0) return json({ error: `event ${bad} needs a string \`type\` and a \`data\` field` }, 400);
  await enqueue(env, events as SwitchyardEvent[]);
  return json({ queued: events.length }, 202);
}

/** A loader's "table loaded" notice, as the event the seed's event-driven workflow listens to. */
async function warehouseLoad(request: Request, env: ProducerEnv): Promise<Response> {
  const notice = (await request.json().catch(() => null)) as { table?: unknown; rows?: unknown; loaded_at?: unknown } | null;
  if (!notice || typeof notice.table !== "string" || typeof notice.rows !== "number" || typeof notice.loaded_at !== "string")
    return json({ error: "send {table: string, rows: number, loaded_at: ISO time}" }, 400);
  const event: SwitchyardEvent = {
    type: "data.loaded",
    source: "sales_warehouse",
    // One load is one event however often the loader retries its notice.
    event_id: `load-${notice.table}-${notice.loaded_at}`.replace(/[^A-Za-z0-9._:@+=-]/g, "-"),
    time: notice.loaded_at,
    data: { table: notice.table, rows: notice.rows },
  };
  await enqueue(env, [event]);
  return json({ queued: 1, event_id: event.event_id }, 202);
}

export default {
  async fetch(request: Request, env: ProducerEnv): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/publish") return publish(request, env);
    if (request.method === "POST" && pathname === "/ingest/warehouse-load") return warehouseLoad(request, env);
    if (env.SWITCHYARD) return env.SWITCHYARD.fetch(request);
    return json({ error: "not found: POST /publish or /ingest/warehouse-load" }, 404);
  },
} satisfies ExportedHandler<ProducerEnv>;
