import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { otelSpanIdOf, traceIdOf } from "../../src/observability/otel-ids";
import { anyValue, OTLP_SPAN_KIND, toOtlp } from "../../src/observability/otlp";
import { exportBackoffSeconds, exportRunTrace, otlpHeaders, otlpTracesUrl } from "../../src/observability/otlp-export";
import { consumeDeliveries } from "../../src/triggers/delivery-consumer";
import { api } from "../helpers";
import { definition, pollTasks, runInit, runStub, uniqueName } from "../runs/run-fixtures";
import { otlpProblems, otlpSpans } from "./otlp-structure";

afterEach(() => {
  vi.restoreAllMocks();
});

async function finishedChain() {
  const [a, b] = [uniqueName("data-collector"), uniqueName("data-enricher")];
  const init = runInit(definition([{ pattern: "message-passing", flow: [{ from: a, to: b, message: { schema: "raw_records" } }] }]));
  const run = runStub(init.run_id);
  await run.start(init);
  const [first] = await pollTasks(a);
  await run.complete(first!.task_id, { output: { records: [1] }, usage: { tokens_in: 120, tokens_out: 30 } }, { agent_id: a, admin: false });
  const [second] = await pollTasks(b);
  await run.complete(second!.task_id, { status: "failed", error: { code: "bad_input", message: "no" } }, { agent_id: b, admin: false });
  return { init, a, b };
}

describe("the OTLP/HTTP JSON document of a trace", () => {
  it("has hex ids, integer enums, nanosecond strings, the resource's service.name and the GenAI conventions", async () => {
    const { init, a, b } = await finishedChain();
    const res = await api("GET", `/v1/runs/${init.run_id}/trace?format=otlp`);
    expect(res.status).toBe(200);
    expect(otlpProblems(res.body)).toEqual([]);
    const spans = otlpSpans(res.body);
    const json = (await api("GET", `/v1/runs/${init.run_id}/trace`)).body;
    expect(spans).toHaveLength(json.spans.length);
    expect(res.body.resourceSpans[0].scopeSpans[0].spans[0].traceId).toBe(json.trace_id);

    const workflow = spans.find((s) => s.name.startsWith("invoke_workflow"))!;
    expect(workflow).toMatchObject({ name: `invoke_workflow ${init.workflow}`, kind: OTLP_SPAN_KIND.INTERNAL, status: { code: 2 } });
    expect(workflow.attributes).toMatchObject({ "gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": init.workflow, "switchyard.run_id": init.run_id });
    expect(workflow.parentSpanId).toBeUndefined();

    const first = spans.find((s) => s.name === `invoke_agent ${a}`)!;
    expect(first).toMatchObject({ kind: OTLP_SPAN_KIND.CLIENT, parentSpanId: workflow.spanId, status: { code: 1 } });
    expect(first.attributes).toMatchObject({ "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": a, "gen_ai.agent.version": "1.0.0", "gen_ai.usage.input_tokens": "120", "gen_ai.usage.output_tokens": "30" });
    const failed = spans.find((s) => s.name === `invoke_agent ${b}`)!;
    expect(failed.status).toEqual({ code: 2, message: "failed" });
    expect(failed.attributes["error.type"]).toBe("failed");
    // The message that fed the second task is its OTLP link, and a producer span under the sender.
    const message = spans.find((s) => s.name.startsWith("message "))!;
    expect(message).toMatchObject({ kind: OTLP_SPAN_KIND.PRODUCER, parentSpanId: first.spanId });
    expect(failed.links.map((l) => l.spanId)).toEqual([message.spanId]);
  });

  it("derives the same ids every time (a retried export lands on the same trace), never all zeros", () => {
    expect(traceIdOf("run_01jd3k5b8q0c7m2x4v6n9p1r3t")).toBe(traceIdOf("run_01jd3k5b8q0c7m2x4v6n9p1r3t"));
    expect(traceIdOf("run_01jd3k5b8q0c7m2x4v6n9p1r3t")).not.toBe(traceIdOf("run_01jd3k5b8q0c7m2x4v6n9p1r3v"));
    expect(otelSpanIdOf("spn_a")).toMatch(/^[0-9a-f]{16}$/);
    expect(traceIdOf("x")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("maps JSON to AnyValue: integers as strings, other numbers as doubles, lists and objects nested, null left out", () => {
    expect(anyValue(3)).toEqual({ intValue: "3" });
    expect(anyValue(0.5)).toEqual({ doubleValue: 0.5 });
    expect(anyValue([1, null, "a"])).toEqual({ arrayValue: { values: [{ intValue: "1" }, { stringValue: "a" }] } });
    expect(anyValue({ k: true, n: null })).toEqual({ kvlistValue: { values: [{ key: "k", value: { boolValue: true } }] } });
    expect(anyValue(null)).toBeNull();
    const doc = toOtlp({ run_id: "run_x", workflow: "w", spans: [] }, 0);
    expect(doc.resourceSpans[0]!.scopeSpans[0]!.spans).toEqual([]);
  });
});

describe("export to OTLP_ENDPOINT through the deliveries queue", () => {
  it("reads OTLP_HEADERS as OTEL_EXPORTER_OTLP_HEADERS does, and names bad entries by position only", () => {
    expect(otlpHeaders("Authorization=Bearer x,Other=y")).toEqual({ headers: { Authorization: "Bearer x", Other: "y" }, problems: [] });
    expect(otlpHeaders(" api-key = a%3Db , x-tenant=t1 ")).toEqual({ headers: { "api-key": "a=b", "x-tenant": "t1" }, problems: [] });
    const bad = otlpHeaders("secret-without-name,ok=1");
    expect(bad.headers).toEqual({ ok: "1" });
    expect(bad.problems).toEqual(["entry 1 of OTLP_HEADERS is not name=value"]);
    expect(JSON.stringify(bad.problems)).not.toContain("secret");
    expect(otlpHeaders(undefined)).toEqual({ headers: {}, problems: [] });
  });

  it("appends /v1/traces to the collector's base URL unless it is there, and is off without one", () => {
    expect(otlpTracesUrl({ OTLP_ENDPOINT: "" })).toBeNull();
    expect(otlpTracesUrl({ OTLP_ENDPOINT: "https://otel.example.com" })).toBe("https://otel.example.com/v1/traces");
    expect(otlpTracesUrl({ OTLP_ENDPOINT: "https://cloud.example.com/api/public/otel/" })).toBe("https://cloud.example.com/api/public/otel/v1/traces");
    expect(otlpTracesUrl({ OTLP_ENDPOINT: "http://127.0.0.1:4318/v1/traces" })).toBe("http://127.0.0.1:4318/v1/traces");
  });

  it("POSTs the document with the configured headers; retries 503 and network failures with backoff, gives up on 400", async () => {
    const { init } = await finishedChain();
    const calls: { url: string; headers: Headers; body: unknown }[] = [];
    const answers = [new Response("down", { status: 503 }), new Response("", { status: 200 }), new Response("bad", { status: 400 })];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init2) => {
      const req = new Request(input as RequestInfo, init2);
      calls.push({ url: req.url, headers: req.headers, body: await req.json() });
      return answers.shift()!;
    });
    const cfg = { ...env, OTLP_ENDPOINT: "https://collector.example.com", OTLP_HEADERS: "Authorization=Bearer s3cret,X-Tenant=acme" };
    expect(await exportRunTrace(cfg, init.run_id, 1)).toEqual({ done: false, retryInSeconds: 5, detail: "the collector answered 503" });
    expect(await exportRunTrace(cfg, init.run_id, 2)).toEqual({ done: true, status: "exported" });
    expect(await exportRunTrace(cfg, init.run_id, 3)).toMatchObject({ done: true, status: "refused" });
    expect(calls[0]!.url).toBe("https://collector.example.com/v1/traces");
    expect(calls[0]!.headers.get("authorization")).toBe("Bearer s3cret");
    expect(calls[0]!.headers.get("x-tenant")).toBe("acme");
    expect(calls[0]!.headers.get("content-type")).toBe("application/json");
    expect(otlpProblems(calls[1]!.body)).toEqual([]);
    expect([1, 2, 3, 20].map(exportBackoffSeconds)).toEqual([5, 10, 20, 3600]);
  });

  it("the queue consumer acks an export that succeeded, retries one that did not (without logging the headers), and drops no run", async () => {
    const { init } = await finishedChain();
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("", { status: 502, headers: { "retry-after": "7" } }));
    const logged: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((...args) => void logged.push(args.join(" ")));
    const acked: string[] = [];
    const retried: { id: string; delay?: number }[] = [];
    const message = (id: string, body: unknown) => ({
      id,
      timestamp: new Date(),
      body,
      attempts: 2,
      ack: () => void acked.push(id),
      retry: (options?: { delaySeconds?: number }) => void retried.push({ id, delay: options?.delaySeconds }),
    });
    const batch = { queue: "switchyard-deliveries", messages: [message("m1", { kind: "otlp_trace", run_id: init.run_id })], ackAll() {}, retryAll() {} } as unknown as MessageBatch;
    await consumeDeliveries(batch, { ...env, OTLP_ENDPOINT: "https://collector.example.com", OTLP_HEADERS: "Authorization=Bearer s3cret" } as Env);
    expect(retried).toEqual([{ id: "m1", delay: 7 }]);
    expect(logged.join("\n")).toContain("502");
    expect(logged.join("\n")).not.toContain("s3cret");

    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("", { status: 200 }));
    await consumeDeliveries({ ...batch, messages: [message("m2", { kind: "otlp_trace", run_id: init.run_id })] } as unknown as MessageBatch, { ...env, OTLP_ENDPOINT: "https://collector.example.com" } as Env);
    expect(acked).toEqual(["m2"]);
  });
});
