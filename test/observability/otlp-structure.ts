// What a receiver of OTLP/HTTP JSON checks of a trace document: the JSON mapping of opentelemetry-proto's
// ExportTraceServiceRequest (hex ids of the right length, enums as integers, nanosecond times as decimal
// strings, KeyValue attributes with one typed value each), and the GenAI conventions Switchyard promises.
// Pure, so the workerd tests and the e2e suite's local collector use the same rules.

type Doc = Record<string, unknown>;
interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}

const VALUE_FIELDS = ["stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue"];

function checkAttributes(where: string, attributes: unknown, problems: string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!Array.isArray(attributes)) {
    problems.push(`${where}: attributes is not a list`);
    return out;
  }
  for (const kv of attributes as KeyValue[]) {
    if (typeof kv?.key !== "string" || typeof kv.value !== "object" || kv.value === null) {
      problems.push(`${where}: an attribute is not {key, value}`);
      continue;
    }
    const fields = Object.keys(kv.value);
    if (fields.length !== 1 || !VALUE_FIELDS.includes(fields[0]!)) problems.push(`${where}: attribute ${kv.key} has value fields ${fields.join(",")}`);
    if ("intValue" in kv.value && !/^-?\d+$/.test(String(kv.value.intValue))) problems.push(`${where}: attribute ${kv.key} intValue is not an integer string`);
    out.set(kv.key, Object.values(kv.value)[0]);
  }
  return out;
}

/** Every way the document departs from OTLP/JSON and the conventions; empty when it is right. */
export function otlpProblems(doc: unknown): string[] {
  const problems: string[] = [];
  const resourceSpans = (doc as Doc)?.resourceSpans;
  if (!Array.isArray(resourceSpans) || resourceSpans.length === 0) return ["resourceSpans is missing or empty"];
  const spanIds = new Set<string>();
  const traceIds = new Set<string>();
  const parents: [string, string][] = [];
  const links: [string, string][] = [];
  for (const [r, rs] of (resourceSpans as Doc[]).entries()) {
    const resource = checkAttributes(`resourceSpans[${r}].resource`, (rs.resource as Doc | undefined)?.attributes, problems);
    if (resource.get("service.name") !== "switchyard") problems.push(`resourceSpans[${r}]: service.name is not "switchyard"`);
    for (const ss of (rs.scopeSpans as Doc[] | undefined) ?? []) {
      const scope = ss.scope as Doc | undefined;
      if (typeof scope?.name !== "string") problems.push("scopeSpans: scope.name is missing");
      for (const span of (ss.spans as Doc[] | undefined) ?? []) {
        const where = `span ${String(span.name)}`;
        if (typeof span.traceId !== "string" || !/^[0-9a-f]{32}$/.test(span.traceId) || /^0+$/.test(span.traceId)) problems.push(`${where}: traceId is not 32 lowercase hex digits (not all zero)`);
        else traceIds.add(span.traceId);
        if (typeof span.spanId !== "string" || !/^[0-9a-f]{16}$/.test(span.spanId) || /^0+$/.test(span.spanId)) problems.push(`${where}: spanId is not 16 lowercase hex digits`);
        else if (spanIds.has(span.spanId)) problems.push(`${where}: spanId ${span.spanId} is used twice`);
        else spanIds.add(span.spanId);
        if (span.parentSpanId !== undefined) parents.push([where, String(span.parentSpanId)]);
        if (typeof span.name !== "string" || span.name === "") problems.push("a span has no name");
        if (!Number.isInteger(span.kind) || (span.kind as number) < 0 || (span.kind as number) > 5) problems.push(`${where}: kind ${String(span.kind)} is not a SpanKind integer`);
        const start = String(span.startTimeUnixNano);
        const end = String(span.endTimeUnixNano);
        if (!/^\d+$/.test(start) || !/^\d+$/.test(end)) problems.push(`${where}: times are not decimal strings of nanoseconds`);
        else if (BigInt(end) < BigInt(start)) problems.push(`${where}: ends before it starts`);
        else if (BigInt(start) < 1_000_000_000_000_000_000n) problems.push(`${where}: startTimeUnixNano is not in nanoseconds`);
        const status = span.status as Doc | undefined;
        if (!Number.isInteger(status?.code) || (status!.code as number) < 0 || (status!.code as number) > 2) problems.push(`${where}: status.code is not a StatusCode integer`);
        const attributes = checkAttributes(where, span.attributes, problems);
        const operation = attributes.get("gen_ai.operation.name");
        if (String(span.name).startsWith("invoke_workflow ")) {
          if (operation !== "invoke_workflow") problems.push(`${where}: gen_ai.operation.name is not invoke_workflow`);
          if (typeof attributes.get("gen_ai.workflow.name") !== "string") problems.push(`${where}: gen_ai.workflow.name is missing`);
          if (span.kind !== 1) problems.push(`${where}: a workflow span is INTERNAL`);
        }
        if (String(span.name).startsWith("invoke_agent ")) {
          if (operation !== "invoke_agent") problems.push(`${where}: gen_ai.operation.name is not invoke_agent`);
          if (`invoke_agent ${String(attributes.get("gen_ai.agent.name"))}` !== span.name) problems.push(`${where}: gen_ai.agent.name does not match the span name`);
          if (typeof attributes.get("gen_ai.agent.version") !== "string") problems.push(`${where}: gen_ai.agent.version is missing`);
        }
        for (const [key, value] of attributes) if (key.startsWith("gen_ai.usage.") && !/^\d+$/.test(String(value))) problems.push(`${where}: ${key} is not an integer`);
        if (!Array.isArray(span.links)) problems.push(`${where}: links is not a list`);
        for (const link of (span.links as Doc[] | undefined) ?? []) {
          if (link.traceId !== span.traceId) problems.push(`${where}: a link leaves the trace`);
          links.push([where, String(link.spanId)]);
          checkAttributes(`${where} link`, link.attributes, problems);
        }
      }
    }
  }
  if (traceIds.size > 1) problems.push(`one run's spans carry ${traceIds.size} trace ids`);
  for (const [where, parent] of parents) if (!spanIds.has(parent)) problems.push(`${where}: parentSpanId ${parent} is not in the trace`);
  for (const [where, target] of links) if (!spanIds.has(target)) problems.push(`${where}: a link names ${target}, not in the trace`);
  return problems;
}

/** The spans of a document, flattened, with attributes as a plain object: for assertions. */
export function otlpSpans(doc: unknown): { name: string; kind: number; spanId: string; parentSpanId?: string; attributes: Record<string, unknown>; links: { spanId: string }[]; status: { code: number } }[] {
  const out = [];
  for (const rs of ((doc as Doc).resourceSpans as Doc[]) ?? [])
    for (const ss of (rs.scopeSpans as Doc[]) ?? [])
      for (const span of (ss.spans as Doc[]) ?? [])
        out.push({ ...(span as never as { name: string; kind: number; spanId: string; parentSpanId?: string; links: { spanId: string }[]; status: { code: number } }), attributes: Object.fromEntries(((span.attributes as KeyValue[]) ?? []).map((kv) => [kv.key, Object.values(kv.value)[0]])) });
  return out;
}
