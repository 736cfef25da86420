// A local OTLP/HTTP JSON collector for the e2e suite: it listens on 127.0.0.1, takes POST /v1/traces
// as a collector does, checks each document's structure (test/observability/otlp-structure.ts) and answers
// 200 with `{}` (the empty ExportTraceServiceResponse) or 400 naming what is wrong. `failFirst` answers
// 503 to the first export of each trace, so the sender's retry is seen.
import { type IncomingHttpHeaders, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { otlpProblems } from "../observability/otlp-structure.ts";

export interface Received {
  headers: IncomingHttpHeaders;
  body: unknown;
  problems: string[];
  status: number;
  traceIds: string[];
}

export async function startOtlpReceiver(options: { failFirst?: boolean } = {}) {
  const received: Received[] = [];
  const failed = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      let body: unknown = null;
      let problems: string[];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        problems = req.headers["content-type"]?.startsWith("application/json") ? otlpProblems(body) : ["content-type is not application/json"];
      } catch {
        problems = ["the body is not JSON"];
      }
      const traceIds = [...new Set(JSON.stringify(body).match(/"traceId":"([0-9a-f]{32})"/g)?.map((m) => m.slice(11, 43)) ?? [])];
      let status = problems.length === 0 ? 200 : 400;
      // A document posted by the test itself (marked x-switchyard-e2e) is only checked, never refused for retry's sake.
      if (status === 200 && options.failFirst && req.headers["x-switchyard-e2e"] === undefined && traceIds[0] && !failed.has(traceIds[0])) {
        failed.add(traceIds[0]);
        status = 503;
      }
      received.push({ headers: req.headers, body, problems, status, traceIds });
      res.writeHead(status, { "content-type": "application/json" }).end(status === 200 ? "{}" : JSON.stringify({ code: status, message: problems.join("; ") || "try again" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** Waits (bounded) until an accepted export of this trace has arrived. */
    async accepted(traceId: string, timeoutMs = 60_000): Promise<Received> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const hit = received.find((r) => r.status === 200 && r.traceIds.includes(traceId) && r.headers["x-switchyard-e2e"] === undefined);
        if (hit) return hit;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`no accepted export of trace ${traceId} within ${timeoutMs} ms (received: ${received.map((r) => `${r.status} ${r.traceIds.join(",")}`).join("; ")})`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
