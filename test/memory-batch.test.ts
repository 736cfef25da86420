import { describe, expect, it } from "vitest";
import { api, count, expectError, newAgent, uniqueId } from "./helpers";

const memoriesIn = (ns: string) => count("SELECT COUNT(*) AS n FROM _memory WHERE agent_id = ?", ns);

describe("storing memories in a batch", () => {
  it("stores every memory, in order, each searchable", async () => {
    const a = await newAgent();
    const ns = uniqueId("kb");
    const contents = ["Renewals peak in December", "Support tickets spike after releases", "The EU region runs on Frankfurt servers"];
    const res = await api("POST", "/v1/memory/batch", { key: a.key, body: { memories: contents.map((content) => ({ agent_id: ns, content })) } });
    expect(res.status).toBe(201);
    expect(res.body.items.map((m: { content: string }) => m.content)).toEqual(contents);
    const found = await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: ns, query: "Where are EU servers hosted?" } });
    expect(found.body.results[0].memory_id).toBe(res.body.items[2].memory_id);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE resource = ? AND action = 'memory:write'", `memory:${ns}`)).toBe(3);
  });

  it("stores none when one memory is invalid, and names it", async () => {
    const a = await newAgent();
    const ns = uniqueId("kb");
    const memories = [{ agent_id: ns, content: "fine" }, { agent_id: ns, content: "" }];
    const res = await api("POST", "/v1/memory/batch", { key: a.key, body: { memories } });
    expectError(res, 400, "invalid_request");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain("memories[1].content");
    expect(await memoriesIn(ns)).toBe(0);
  });

  it("stores none when one namespace is another agent's", async () => {
    const a = await newAgent();
    const owner = await newAgent();
    const ns = uniqueId("kb");
    const memories = [{ agent_id: ns, content: "shared fact" }, { agent_id: owner.agentId, content: "intrusion" }];
    expectError(await api("POST", "/v1/memory/batch", { key: a.key, body: { memories } }), 403, "forbidden");
    expect(await memoriesIn(ns)).toBe(0);
    expect(await memoriesIn(owner.agentId)).toBe(0);
  });

  it("refuses an empty batch and one over 100", async () => {
    const a = await newAgent();
    expectError(await api("POST", "/v1/memory/batch", { key: a.key, body: { memories: [] } }), 400, "invalid_request");
    const many = Array.from({ length: 101 }, (_, i) => ({ agent_id: a.agentId, content: `m${i}` }));
    expectError(await api("POST", "/v1/memory/batch", { key: a.key, body: { memories: many } }), 400, "invalid_request");
    expect(await memoriesIn(a.agentId)).toBe(0);
  });

  it("stores a full batch of 100", async () => {
    const a = await newAgent();
    const ns = uniqueId("kb");
    const many = Array.from({ length: 100 }, (_, i) => ({ agent_id: ns, content: `Shipment ${i} arrived`, metadata: { n: i } }));
    const res = await api("POST", "/v1/memory/batch", { key: a.key, body: { memories: many } });
    expect(res.status).toBe(201);
    expect(await memoriesIn(ns)).toBe(100);
  });
});
