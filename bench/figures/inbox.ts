/**
 * Issue "Semantic triggers and agent inboxes", the inbox's own figures:
 * - throughput: 20 concurrent senders push messages into one inbox as fast as it takes them while a
 *   consumer drains it by long polling; every message is counted, by id and by (sender, sequence), so
 *   none lost and none delivered twice. Goal: ≥ 1,000 messages/s. Measured twice: through the batch
 *   route (`POST …/messages/batch`, BENCH_INBOX_BATCH messages a request: the goal's row) and one
 *   message a request (`POST …/messages`), whose rate is set against the floor's bare DO write at the
 *   same concurrency (locally a request's fixed cost, not the inbox, bounds one-message sends).
 * - WebSocket push latency: from just before `POST …/messages` to the pushed frame on an open socket.
 *
 * Settings (environment): BENCH_INBOX_MESSAGES=10000 (total sent in batches), BENCH_INBOX_BATCH=25
 * (messages a batch request), BENCH_INBOX_SINGLE_MESSAGES=4000 (total sent one a request),
 * BENCH_INBOX_SENDERS=20, BENCH_INBOX_PUSHES=300 (push latency samples).
 */
import { agentWithKey, type BenchContext } from "../lib/context.ts";
import { expectJson, request, timedRequest } from "../lib/http.ts";
import type { Row } from "../lib/report.ts";
import { ratio, summarize, type Summary } from "../lib/stats.ts";

const RECEIVER = "bench-inbox";
const SINGLE_RECEIVER = "bench-inbox-single";
const PUSH_RECEIVER = "bench-inbox-push";
const RETRY_PAUSE_MS = 20;

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not '${raw}'`);
  return value;
}

type Item = { item_id: string; from_agent_id: string; body: { seq: number; pad: string } };
type Floors = { set: Summary; floors: { floorWrite: Summary } };

/** A message of about 200 bytes of JSON, like a short instruction between agents. */
const message = (seq: number) => ({ type: "task", body: { seq, pad: "reconcile invoices INV-20931..INV-21004 for Globex; wait for finance sign-off before closing the quarter." } });
const body = (seq: number) => JSON.stringify(message(seq));
/** A batch request's body: the messages numbered `first`, `first + 1`, …. */
const batchBody = (first: number, count: number) => JSON.stringify({ messages: Array.from({ length: count }, (_, i) => message(first + i)) });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchInbox(ctx: BenchContext, state: Floors): Promise<{ rows: Row[]; diagnosis: string[] }> {
  const total = setting("BENCH_INBOX_MESSAGES", 10_000);
  const batch = Math.min(100, setting("BENCH_INBOX_BATCH", 25));
  const singleTotal = setting("BENCH_INBOX_SINGLE_MESSAGES", 4000);
  const senderCount = setting("BENCH_INBOX_SENDERS", 20);
  const pushes = setting("BENCH_INBOX_PUSHES", 300);
  const receiverKey = await agentWithKey(ctx, RECEIVER);
  const singleReceiverKey = await agentWithKey(ctx, SINGLE_RECEIVER);
  const senders = await Promise.all(Array.from({ length: senderCount }, (_, i) => agentWithKey(ctx, `bench-inbox-sender-${i}`).then((key) => ({ id: `bench-inbox-sender-${i}`, key }))));

  console.log(`inbox: ${total} messages from ${senderCount} concurrent senders, ${batch} a request, into one inbox, drained meanwhile`);
  const batched = await measureThroughput(ctx, RECEIVER, receiverKey, senders, total, batch);
  console.log(`inbox: ${singleTotal} messages from ${senderCount} concurrent senders, one a request, into one inbox, drained meanwhile`);
  const single = await measureThroughput(ctx, SINGLE_RECEIVER, singleReceiverKey, senders, singleTotal, 1);
  // Ceilings at the same concurrency: the floor Worker's bare DO write, and the API's fixed cost per request (whoami: authentication, routing).
  const ceilingCount = Math.min(singleTotal, 4000);
  const floorValue = JSON.stringify(message(0).body);
  const floorRate = await rateOf(senderCount, ceilingCount, (i) => timedRequest({ method: "PUT", url: `${ctx.floor}/kv/inbox-rate-${i % 100}`, body: floorValue }));
  const whoamiRate = await rateOf(senderCount, ceilingCount, () => timedRequest({ method: "GET", url: `${ctx.api}/v1/whoami`, key: senders[0]!.key }));
  console.log(`inbox: push latency over WebSocket, ${pushes} messages`);
  const push = await measurePush(ctx, senders[0]!, pushes);

  const counted = (t: Throughput, sent: number) =>
    `${sent} sent (${t.refused} answers of 429 inbox_full retried), ${t.received} received: ${t.lost} lost, ${t.duplicated} delivered twice`;
  const ceilings = `at the same ${senderCount}-way concurrency the floor's bare DO write serves ${floorRate.toFixed(0)} requests/s and the API's GET /v1/whoami ${whoamiRate.toFixed(0)}`;
  const singleVsFloor = single.rate / floorRate;
  const rows: Row[] = [
    {
      issue: "Triggers and inboxes",
      figure: `inbox send, ${senderCount} concurrent senders × ${batch} messages a request (POST /v1/inbox/{agent}/messages/batch)`,
      value: batched.sends,
      floorName: "state set",
      floor: state.set,
      goal: "≥ 1,000 messages/s, none lost or duplicated",
      pass: batched.rate >= 1000 && batched.lost === 0 && batched.duplicated === 0,
      note: `${counted(batched, total)}; ${batched.rate.toFixed(0)} messages/s (${(batched.rate / batch).toFixed(0)} requests/s) over the sending window; latencies are per request of ${batch}; ${ceilings}.`,
    },
    {
      issue: "Triggers and inboxes",
      figure: `inbox send, ${senderCount} concurrent senders, one message a request (POST /v1/inbox/{agent}/messages)`,
      value: single.sends,
      floorName: "DO write",
      floor: state.floors.floorWrite,
      note:
        `${counted(single, singleTotal)}; ${single.rate.toFixed(0)} messages/s = ${singleVsFloor.toFixed(2)}× the floor's bare DO-write rate (${floorRate.toFixed(0)} requests/s at the same concurrency) ` +
        `and ${(single.rate / whoamiRate).toFixed(2)}× whoami's (${whoamiRate.toFixed(0)}/s); latency floor: the bare DO write, sequential.`,
    },
    {
      issue: "Triggers and inboxes",
      figure: "WebSocket push latency (send → frame on the socket)",
      value: push.latency,
      floorName: "state set",
      floor: state.set,
      goal: "p50 reported",
      note: push.note,
    },
  ];
  const diagnosis = [
    `inbox throughput in batches of ${batch}: ${batched.rate.toFixed(0)} messages/s from ${senderCount} concurrent senders (${total} messages in ${batched.seconds.toFixed(2)} s); ` +
      `request p50 ${batched.sends.p50.toFixed(2)} ms, p95 ${batched.sends.p95.toFixed(2)} ms. A batch costs what one send does (authentication's D1 read, one call to the inbox's ` +
      `object, which stores the batch in one transaction and writes its audit rows in one D1 statement) plus per-message JSON and SQLite work.`,
    `inbox throughput one message a request: ${single.rate.toFixed(0)} messages/s (${singleTotal} messages in ${single.seconds.toFixed(2)} s); send p50 ${single.sends.p50.toFixed(2)} ms = ` +
      `${ratio(single.sends.p50, state.set.p50).toFixed(2)}× state set, ${ratio(single.sends.p50, state.floors.floorWrite.p50).toFixed(2)}× DO write (sequential floors, under ${senderCount}-way concurrency). ` +
      `A send = authentication (D1 read) + one call to the inbox's object, whose audit insert (which also checks the target exists) concurrent sends share (group commit); ` +
      `${ceilings}: one-message sends reach ${(singleVsFloor * 100).toFixed(0)}% and ${((single.rate / whoamiRate) * 100).toFixed(0)}% of those rates.`,
    `WebSocket push p50 ${push.latency.p50.toFixed(2)} ms, p95 ${push.latency.p95.toFixed(2)} ms (n ${push.latency.n}); the push leaves the object before the send's audit insert, so it can beat the send's own response.`,
  ];
  return { rows, diagnosis };
}

type Throughput = Awaited<ReturnType<typeof measureThroughput>>;

/** `total` messages numbered 0…total-1, `batch` a request (1: the single-message route), drained and counted meanwhile. */
async function measureThroughput(ctx: BenchContext, receiver: string, receiverKey: string, senders: { id: string; key: string }[], total: number, batch: number) {
  const latencies: number[] = [];
  let next = 0;
  let refused = 0;
  let sending = true;
  const url = `${ctx.api}/v1/inbox/${receiver}/messages${batch > 1 ? "/batch" : ""}`;

  const started = performance.now();
  const send = Promise.all(
    senders.map(async (sender) => {
      while (next < total) {
        const seq = next;
        const count = Math.min(batch, total - seq);
        next += count;
        const payload = batch > 1 ? batchBody(seq, count) : body(seq);
        for (;;) {
          const res = await request({ method: "POST", url, key: sender.key, body: payload });
          if (res.status === 201) {
            latencies.push(res.ms);
            break;
          }
          if (res.status !== 429) throw new Error(`send ${seq} (${count} messages) answered ${res.status}: ${JSON.stringify(res.json)}`);
          refused++;
          await sleep(RETRY_PAUSE_MS);
        }
      }
    }),
  ).finally(() => {
    sending = false;
  });

  const seen = new Map<string, number>();
  const seqs = new Map<number, number>();
  const drain = async () => {
    for (;;) {
      const wasSending = sending;
      const page = await expectJson<{ items: Item[] }>({ method: "GET", url: `${ctx.api}/v1/inbox/${receiver}?limit=100&wait_seconds=1`, key: receiverKey });
      for (const item of page.items) {
        seen.set(item.item_id, (seen.get(item.item_id) ?? 0) + 1);
        seqs.set(item.body.seq, (seqs.get(item.body.seq) ?? 0) + 1);
      }
      if (page.items.length === 0 && !wasSending) return;
      // A consumer that handles items in batches: a short page means the inbox is nearly empty, so
      // pause a little rather than spend a request (and the senders' server time) on every item.
      if (page.items.length < 100) await sleep(50);
    }
  };
  // The rate is over the sending window, from the first send to the last answer; draining continues after it.
  const [sentAt] = await Promise.all([send.then(() => performance.now()), drain()]);
  const sendSeconds = (sentAt - started) / 1000;
  let lost = 0;
  for (let seq = 0; seq < total; seq++) if (!seqs.has(seq)) lost++;
  const duplicated = [...seen.values()].filter((n) => n > 1).length + [...seqs.values()].filter((n) => n > 1).length;
  const received = [...seen.values()].reduce((a, b) => a + b, 0);
  return { sends: summarize(latencies), rate: total / sendSeconds, seconds: sendSeconds, refused, lost, duplicated, received };
}

/** Requests/s of `run` with `concurrency` requests in flight, over `count` requests. */
async function rateOf(concurrency: number, count: number, run: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await run(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function measurePush(ctx: BenchContext, sender: { id: string; key: string }, count: number): Promise<{ latency: Summary; note: string }> {
  const receiverKey = await agentWithKey(ctx, PUSH_RECEIVER);
  const wsUrl = `${ctx.api.replace(/^http/, "ws")}/v1/inbox/${PUSH_RECEIVER}/connect`;
  const socket = new WebSocket(wsUrl, ["switchyard", `switchyard.key.${receiverKey}`]);
  const arrivals = new Map<number, number>();
  const waiting = new Map<number, () => void>();
  socket.addEventListener("message", (event) => {
    const at = performance.now();
    const frame = JSON.parse(String(event.data)) as { type: string; items?: Item[] };
    for (const item of frame.items ?? []) {
      arrivals.set(item.body.seq, at);
      waiting.get(item.body.seq)?.();
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`could not open ${wsUrl}`)), { once: true });
  });
  const url = `${ctx.api}/v1/inbox/${PUSH_RECEIVER}/messages`;
  const warmup = Math.min(20, count);
  const samples: number[] = [];
  let missing = 0;
  for (let i = 0; i < warmup + count; i++) {
    const seq = 1_000_000 + i;
    const arrived = new Promise<void>((resolve) => waiting.set(seq, resolve));
    const started = performance.now();
    await timedRequest({ method: "POST", url, key: sender.key, body: body(seq) });
    const timeout = sleep(5000).then(() => "timeout" as const);
    if ((await Promise.race([arrived, timeout])) === "timeout") missing++;
    else if (i >= warmup) samples.push(arrivals.get(seq)! - started);
    waiting.delete(seq);
  }
  socket.close(1000);
  const note = missing ? `${missing} pushes did not arrive within 5 s.` : `every one of ${warmup + count} messages arrived on the socket.`;
  return { latency: summarize(samples), note };
}
