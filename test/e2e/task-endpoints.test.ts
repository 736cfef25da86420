// A version with an `endpoint` gets its tasks POSTed there, signed like webhooks, retried when the receiver
// fails. Private addresses are allowed here only because this server runs with WEBHOOK_ALLOW_PRIVATE=true.
import { createHmac, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Switchyard } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  status: number;
}

const signatureValid = (secret: string, headers: IncomingMessage["headers"], body: string) => {
  const expected = `sha256=${createHmac("sha256", secret).update(`${String(headers["x-switchyard-timestamp"])}.${body}`).digest("hex")}`;
  const given = String(headers["x-switchyard-signature"]);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
};

describe("tasks delivered to a version's endpoint", () => {
  const local = localServer({ vars: { WEBHOOK_ALLOW_PRIVATE: "true" } });
  let receiver: Server;
  let url: string;
  const received: Received[] = [];
  /** The receiver fails its first answer, then takes every task. */
  let failuresLeft = 1;
  let admin: Switchyard;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      req.on("end", () => {
        const status = failuresLeft-- > 0 ? 500 : 202;
        received.push({ headers: req.headers, body, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/tasks`;
    admin = local.admin();
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it("POSTs the task signed with the agent's endpoint key, retries a 500, and the agent completes it over the API", async () => {
    for (const agent of ["remote-analyst", "local-reviewer"]) await admin.agents.create({ agent_id: agent });
    await admin.versions.publish("remote-analyst", { version: "1.0.0", endpoint: url });
    await admin.versions.publish("local-reviewer", { version: "1.0.0" });
    const analystKey = (await admin.agents.keys.create("remote-analyst")).api_key;
    const analyst = local.client(analystKey);
    const { secret } = await analyst.versions.endpointSecret("remote-analyst");
    await admin.workflows.put("remote-chain", "coordination:\n  pattern: message-passing\n  flow:\n    - {from: remote-analyst, to: local-reviewer}\n");

    const run = await admin.runs.start("remote-chain", { input: { quarter: "Q3" } });
    const deadline = Date.now() + 30_000;
    while (!received.some((r) => r.status === 202) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received.map((r) => r.status)).toEqual([500, 202]);
    const delivered = received[1]!;
    expect(signatureValid(secret, delivered.headers, delivered.body)).toBe(true);
    const payload = JSON.parse(delivered.body) as { type: string; task: { task_id: string; input: unknown } };
    expect(payload).toMatchObject({ type: "task.assigned", task: { run_id: run.run_id, agent_id: "remote-analyst", input: { quarter: "Q3" } } });
    expect(delivered.headers["x-switchyard-event-id"]).toBe(payload.task.task_id);
    expect(delivered.headers["x-switchyard-delivery-attempt"]).toBe("2");
    // Nothing went to the inbox of an agent whose tasks go to its endpoint.
    expect((await analyst.inbox.poll("remote-analyst", { kind: "task" })).items).toEqual([]);

    await analyst.tasks.complete(payload.task.task_id, { output: { done: "remotely" } });
    const reviewer = (await admin.inbox.poll("local-reviewer", { kind: "task" })).items;
    expect(reviewer).toHaveLength(1);
  });

  it("shows the endpoint key only to the agent itself (or an admin)", async () => {
    await admin.agents.create({ agent_id: "nosy" });
    const nosy = local.client((await admin.agents.keys.create("nosy")).api_key);
    const refused = await nosy.versions.endpointSecret("remote-analyst").catch((e: unknown) => e);
    expect((refused as { status: number }).status).toBe(403);
  });
});
