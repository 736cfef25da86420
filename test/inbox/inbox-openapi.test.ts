import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("the inbox in /openapi.json", () => {
  it("documents every inbox route and the item shapes", async () => {
    const doc = (await (await SELF.fetch("https://switchyard.test/openapi.json")).json()) as {
      paths: Record<string, Record<string, { summary?: string }>>;
      components: { schemas: Record<string, unknown> };
    };
    const routes: Record<string, string[]> = {
      "/v1/inbox/{agent_id}": ["get"],
      "/v1/inbox/{agent_id}/ack": ["post"],
      "/v1/inbox/{agent_id}/messages": ["post"],
      "/v1/inbox/{agent_id}/messages/batch": ["post"],
      "/v1/inbox/{agent_id}/history": ["get"],
      "/v1/inbox/{agent_id}/connect": ["get"],
    };
    for (const [path, methods] of Object.entries(routes))
      for (const method of methods) expect(doc.paths[path]?.[method]?.summary, `${method} ${path}`).toBeTruthy();
    for (const name of ["InboxItem", "InboxNotification", "InboxMessage", "InboxItems", "InboxHistory", "InboxAckResult", "SendInboxMessageBatch", "InboxMessageBatch"]) expect(doc.components.schemas).toHaveProperty(name);
  });
});
