import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  ADMIN,
  type ApiResponse,
  ISO_MILLIS,
  api,
  auditRowsFor,
  count,
  expectError,
  invalidPaths,
  newAgent,
  newRequestId,
  uniqueId,
} from "./helpers";

const agentRows = (agentId: string) => count("SELECT COUNT(*) AS n FROM _agents WHERE agent_id = ?", agentId);

/** A bad create: 400 invalid_request naming `paths`, and no agent row and no audit row for it. */
async function expectRefusedCreate(res: ApiResponse, agentId: string, requestId: string, paths: string[]) {
  expect(invalidPaths(res)).toEqual(expect.arrayContaining(paths));
  expect(await agentRows(agentId)).toBe(0);
  expect(await auditRowsFor(requestId)).toEqual([]);
}

describe("POST /v1/agents", () => {
  it("registers an agent with role 'agent' and empty attributes by default", async () => {
    const agentId = uniqueId("planner");
    const res = await api("POST", "/v1/agents", { body: { agent_id: agentId } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      agent_id: agentId,
      role: "agent",
      attributes: {},
      description: null,
      created_at: expect.stringMatching(ISO_MILLIS),
      updated_at: expect.stringMatching(ISO_MILLIS),
    });
    expect(await agentRows(agentId)).toBe(1);
    const got = await api("GET", `/v1/agents/${agentId}`);
    expect(got.body).toEqual(res.body);
  });

  it("stores the role, attributes and description it is given", async () => {
    const agentId = uniqueId("supervisor");
    const body = { agent_id: agentId, role: "reader", attributes: { team: "finance", writer: false, level: 3, tags: ["a"] }, description: "watches" };
    const res = await api("POST", "/v1/agents", { body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject(body);
    expect((await api("GET", `/v1/agents/${agentId}`)).body).toMatchObject(body);
  });

  it("accepts every character the agent id pattern allows, up to 128 characters", async () => {
    const agentId = `A9._:-${uniqueId("x")}`.padEnd(128, "z");
    const res = await api("POST", "/v1/agents", { body: { agent_id: agentId } });
    expect(res.status).toBe(201);
    expect((await api("GET", `/v1/agents/${encodeURIComponent(agentId)}`)).body.agent_id).toBe(agentId);
  });

  it("answers 409 conflict to a duplicate agent_id and keeps the first agent as it was", async () => {
    const agentId = uniqueId();
    await api("POST", "/v1/agents", { body: { agent_id: agentId, role: "reader" } });
    const requestId = newRequestId();
    const dup = await api("POST", "/v1/agents", { body: { agent_id: agentId, role: "admin" }, headers: { "x-request-id": requestId } });
    expectError(dup, 409, "conflict");
    expect(await agentRows(agentId)).toBe(1);
    expect((await api("GET", `/v1/agents/${agentId}`)).body.role).toBe("reader");
    expect(await auditRowsFor(requestId)).toEqual([]);
  });

  it("refuses the reserved id 'admin' with 409", async () => {
    const res = await api("POST", "/v1/agents", { body: { agent_id: "admin" } });
    expectError(res, 409, "conflict");
    expect(await agentRows("admin")).toBe(0);
  });

  describe("refuses a bad body with 400 invalid_request naming the field, and stores nothing", () => {
    const cases: [string, (id: string) => unknown, string[]][] = [
      ["an agent_id starting with a dash", () => ({ agent_id: "-starts-with-dash" }), ["agent_id"]],
      ["an agent_id with a space", () => ({ agent_id: "has space" }), ["agent_id"]],
      ["an agent_id with a slash", () => ({ agent_id: "a/b" }), ["agent_id"]],
      ["an empty agent_id", () => ({ agent_id: "" }), ["agent_id"]],
      ["an agent_id of 129 characters", () => ({ agent_id: "a".repeat(129) }), ["agent_id"]],
      ["a numeric agent_id", () => ({ agent_id: 42 }), ["agent_id"]],
      ["a missing agent_id", () => ({ role: "agent" }), ["agent_id"]],
      ["an unknown role", (id) => ({ agent_id: id, role: "superuser" }), ["role"]],
      ["attributes that are a string", (id) => ({ agent_id: id, attributes: "finance" }), ["attributes"]],
      ["attributes that are an array", (id) => ({ agent_id: id, attributes: ["finance"] }), ["attributes"]],
      ["attributes over 16 KiB", (id) => ({ agent_id: id, attributes: { blob: "x".repeat(17_000) } }), ["attributes"]],
      ["a numeric description", (id) => ({ agent_id: id, description: 7 }), ["description"]],
      ["a description over 1000 characters", (id) => ({ agent_id: id, description: "d".repeat(1001) }), ["description"]],
      ["an unknown field", (id) => ({ agent_id: id, colour: "blue" }), ["colour"]],
      ["an array instead of an object", () => [{ agent_id: "x" }], ["(body)"]],
      ["null instead of an object", () => null, ["(body)"]],
    ];
    for (const [name, body, paths] of cases) {
      it(name, async () => {
        const agentId = uniqueId("bad");
        const requestId = newRequestId();
        const payload = body(agentId);
        const res = await api("POST", "/v1/agents", { raw: JSON.stringify(payload), headers: { "x-request-id": requestId } });
        await expectRefusedCreate(res, agentId, requestId, paths);
        const named = (payload as { agent_id?: unknown } | null)?.agent_id;
        if (typeof named === "string") expect(await agentRows(named)).toBe(0);
      });
    }

    it("malformed JSON", async () => {
      const agentId = uniqueId("bad");
      const requestId = newRequestId();
      const res = await api("POST", "/v1/agents", { raw: `{"agent_id": "${agentId}",`, headers: { "x-request-id": requestId } });
      await expectRefusedCreate(res, agentId, requestId, ["(body)"]);
    });

    it("no body at all", async () => {
      const requestId = newRequestId();
      const res = await api("POST", "/v1/agents", { headers: { "x-request-id": requestId } });
      expect(invalidPaths(res)).toEqual(["(body)"]);
      expect(await auditRowsFor(requestId)).toEqual([]);
    });

    it("a JSON body sent as text/plain", async () => {
      const agentId = uniqueId("bad");
      const requestId = newRequestId();
      const res = await api("POST", "/v1/agents", {
        raw: JSON.stringify({ agent_id: agentId }),
        headers: { "content-type": "text/plain", "x-request-id": requestId },
      });
      await expectRefusedCreate(res, agentId, requestId, ["Content-Type"]);
    });
  });

  it("accepts application/json with a charset", async () => {
    const agentId = uniqueId();
    const res = await api("POST", "/v1/agents", { raw: JSON.stringify({ agent_id: agentId }), headers: { "content-type": "application/json; charset=utf-8" } });
    expect(res.status).toBe(201);
  });

  it("creates one agent out of 20 concurrent creates of the same id; the rest get 409", async () => {
    const agentId = uniqueId("race");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api("POST", "/v1/agents", { body: { agent_id: agentId, description: `attempt ${i}` } })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect(await agentRows(agentId)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action = 'agent:create' AND resource = ?", `agent:${agentId}`)).toBe(1);
  });
});

describe("GET /v1/agents", () => {
  it("pages through every agent in agent_id order with limit and cursor, ending with next_cursor null", async () => {
    const prefix = uniqueId("page");
    const ids = ["c", "a", "e", "b", "d"].map((s) => `${prefix}-${s}`);
    for (const agentId of ids) await api("POST", "/v1/agents", { body: { agent_id: agentId } });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      // Other tests' agents share the table: a small odd page size still crosses every boundary.
      const query: string = `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await api("GET", `/v1/agents${query}`);
      expect(res.status).toBe(200);
      if (res.body.next_cursor !== null) expect(res.body.items).toHaveLength(3);
      else expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((a: { agent_id: string }) => a.agent_id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10_000);

    expect(cursor).toBeNull();
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => id.startsWith(prefix))).toEqual([...ids].sort());
  });

  it("returns items with every agent field", async () => {
    const { agentId } = await newAgent("reader", { team: "ops" });
    const res = await api("GET", "/v1/agents?limit=100");
    expect(res.body).toHaveProperty("next_cursor");
    const all: { agent_id: string }[] = [...res.body.items];
    let cursor = res.body.next_cursor;
    while (cursor) {
      const next = await api("GET", `/v1/agents?limit=100&cursor=${encodeURIComponent(cursor)}`);
      all.push(...next.body.items);
      cursor = next.body.next_cursor;
    }
    expect(all.find((a) => a.agent_id === agentId)).toMatchObject({ agent_id: agentId, role: "reader", attributes: { team: "ops" } });
  });

  it("refuses a cursor it did not issue with 400", async () => {
    for (const cursor of ["not-a-cursor", "e30", "%%%"]) {
      const res = await api("GET", `/v1/agents?cursor=${encodeURIComponent(cursor)}`);
      expect(invalidPaths(res)).toContain("cursor");
    }
  });

  it("refuses a limit outside 1-100 or not a number with 400", async () => {
    for (const limit of ["0", "101", "-1", "ten", "1.5"]) {
      const res = await api("GET", `/v1/agents?limit=${limit}`);
      expect(invalidPaths(res)).toContain("limit");
    }
  });
});

describe("GET, PATCH, DELETE /v1/agents/{agent_id}", () => {
  it("answers 404 not_found for an agent that does not exist", async () => {
    const missing = uniqueId("ghost");
    expectError(await api("GET", `/v1/agents/${missing}`), 404, "not_found");
    expectError(await api("PATCH", `/v1/agents/${missing}`, { body: { role: "reader" } }), 404, "not_found");
    expectError(await api("DELETE", `/v1/agents/${missing}`), 404, "not_found");
    expect(await agentRows(missing)).toBe(0);
  });

  it("answers 400 to an agent id that breaks the pattern", async () => {
    expect(invalidPaths(await api("GET", "/v1/agents/-bad"))).toContain("agent_id");
    expect(invalidPaths(await api("DELETE", "/v1/agents/-bad"))).toContain("agent_id");
  });

  it("changes only the fields a PATCH names, and moves updated_at", async () => {
    const agentId = uniqueId();
    const created = await api("POST", "/v1/agents", { body: { agent_id: agentId, attributes: { team: "a" }, description: "d" } });
    const patched = await api("PATCH", `/v1/agents/${agentId}`, { body: { role: "reader" } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ agent_id: agentId, role: "reader", attributes: { team: "a" }, description: "d", created_at: created.body.created_at });
    expect(patched.body.updated_at >= created.body.updated_at).toBe(true);

    const again = await api("PATCH", `/v1/agents/${agentId}`, { body: { attributes: { team: "b" }, description: null } });
    expect(again.body).toMatchObject({ role: "reader", attributes: { team: "b" }, description: null });
    expect((await api("GET", `/v1/agents/${agentId}`)).body).toMatchObject({ role: "reader", attributes: { team: "b" }, description: null });
  });

  it("applies a role change to the agent's very next request", async () => {
    const a = await newAgent("agent");
    expect((await api("PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { value: 1 } })).status).toBe(200);
    await api("PATCH", `/v1/agents/${a.agentId}`, { body: { role: "reader" } });
    expectError(await api("PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { value: 2 } }), 403, "forbidden");
    expect((await api("GET", "/v1/whoami", { key: a.key })).body.role).toBe("reader");
  });

  it("refuses a bad PATCH with 400 and changes nothing", async () => {
    const agentId = uniqueId();
    const created = await api("POST", "/v1/agents", { body: { agent_id: agentId, role: "reader", attributes: { team: "a" } } });
    const bad: [unknown, string][] = [
      [{ role: "owner" }, "role"],
      [{ attributes: 5 }, "attributes"],
      [{ agent_id: "renamed" }, "agent_id"],
      [{ role: "agent", unknown_field: true }, "unknown_field"],
    ];
    for (const [body, path] of bad) {
      const requestId = newRequestId();
      const res = await api("PATCH", `/v1/agents/${agentId}`, { body, headers: { "x-request-id": requestId } });
      expect(invalidPaths(res)).toContain(path);
      expect(await auditRowsFor(requestId)).toEqual([]);
    }
    const requestId = newRequestId();
    const malformed = await api("PATCH", `/v1/agents/${agentId}`, { raw: '{"role": "agent"', headers: { "x-request-id": requestId } });
    expectError(malformed, 400, "invalid_request");
    const wrongType = await api("PATCH", `/v1/agents/${agentId}`, {
      raw: JSON.stringify({ role: "agent" }),
      headers: { "content-type": "text/plain", "x-request-id": requestId },
    });
    expectError(wrongType, 400, "invalid_request");
    const noBody = await api("PATCH", `/v1/agents/${agentId}`, { headers: { "x-request-id": requestId } });
    expect(invalidPaths(noBody)).toEqual(["(body)"]);
    expect(await auditRowsFor(requestId)).toEqual([]);
    expect((await api("GET", `/v1/agents/${agentId}`)).body).toEqual(created.body);
  });

  it("deletes an agent: it is gone, its keys stop working and its state is erased", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/notes`, { key: a.key, body: { value: "keep me?" } });
    const del = await api("DELETE", `/v1/agents/${a.agentId}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ agent_id: a.agentId, deleted: true });

    expectError(await api("GET", `/v1/agents/${a.agentId}`), 404, "not_found");
    expectError(await api("GET", "/v1/whoami", { key: a.key }), 401, "unauthorized");
    expect(await agentRows(a.agentId)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM _agent_keys WHERE agent_id = ?", a.agentId)).toBe(0);
    expectError(await api("GET", `/v1/state/${a.agentId}/notes`), 404, "not_found");
    expectError(await api("DELETE", `/v1/agents/${a.agentId}`), 404, "not_found");

    // The same id registered again starts with nothing of its predecessor.
    await api("POST", "/v1/agents", { body: { agent_id: a.agentId } });
    expectError(await api("GET", `/v1/state/${a.agentId}/notes`), 404, "not_found");
    expect((await api("GET", `/v1/state/${a.agentId}`)).body).toEqual({ items: [], next_cursor: null });
    expect((await api("GET", `/v1/agents/${a.agentId}/keys`)).body.items).toEqual([]);
  });
});

describe("agent keys", () => {
  it("issues a key that starts with sy_, authenticates as the agent and is shown only once", async () => {
    const agentId = uniqueId();
    await api("POST", "/v1/agents", { body: { agent_id: agentId } });
    const issued = await api("POST", `/v1/agents/${agentId}/keys`);
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ key_id: expect.stringMatching(/^key_/), agent_id: agentId, created_at: expect.stringMatching(ISO_MILLIS) });
    const apiKey: string = issued.body.api_key;
    expect(apiKey).toMatch(/^sy_[A-Za-z0-9]{40,}$/);
    expect((await api("GET", "/v1/whoami", { key: apiKey })).body.agent_id).toBe(agentId);

    const listed = await api("GET", `/v1/agents/${agentId}/keys`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([{ key_id: issued.body.key_id, agent_id: agentId, created_at: issued.body.created_at, revoked_at: null }]);
    expect(JSON.stringify(listed.body)).not.toContain(apiKey.slice(3));
  });

  it("stores only the key's SHA-256 hash, never the key or a piece of it", async () => {
    const a = await newAgent();
    const { results } = await env.DB.prepare("SELECT * FROM _agent_keys WHERE key_id = ?").bind(a.keyId).all();
    expect(results).toHaveLength(1);
    const row = results[0] as Record<string, unknown>;
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(a.key));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(Object.values(row)).toContain(hex);
    const secret = a.key.slice(3);
    for (const value of Object.values(row)) {
      if (typeof value !== "string") continue;
      for (let i = 0; i + 8 <= secret.length; i++) expect(value).not.toContain(secret.slice(i, i + 8));
    }
    expect(await count("SELECT COUNT(*) AS n FROM _agents WHERE attributes LIKE ?", `%${secret}%`)).toBe(0);
  });

  it("gives each issued key its own id and secret, all of them working", async () => {
    const a = await newAgent();
    const second = await api("POST", `/v1/agents/${a.agentId}/keys`);
    expect(second.body.key_id).not.toBe(a.keyId);
    expect(second.body.api_key).not.toBe(a.key);
    expect((await api("GET", "/v1/whoami", { key: a.key })).status).toBe(200);
    expect((await api("GET", "/v1/whoami", { key: second.body.api_key })).status).toBe(200);
  });

  it("revokes a key on the very next request, leaves the agent's other keys working, and 404s a second revoke", async () => {
    const a = await newAgent();
    const other = await api("POST", `/v1/agents/${a.agentId}/keys`);
    expect((await api("GET", "/v1/whoami", { key: a.key })).status).toBe(200);

    const revoked = await api("DELETE", `/v1/agents/${a.agentId}/keys/${a.keyId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ key_id: a.keyId, revoked: true });
    expectError(await api("GET", "/v1/whoami", { key: a.key }), 401, "unauthorized");
    expectError(await api("GET", `/v1/state/${a.agentId}`, { key: a.key }), 401, "unauthorized");
    expect((await api("GET", "/v1/whoami", { key: other.body.api_key })).status).toBe(200);

    const listed = await api("GET", `/v1/agents/${a.agentId}/keys`);
    expect(listed.body.items.find((k: { key_id: string }) => k.key_id === a.keyId).revoked_at).toMatch(ISO_MILLIS);

    expectError(await api("DELETE", `/v1/agents/${a.agentId}/keys/${a.keyId}`), 404, "not_found");
  });

  it("404s a key that belongs to another agent, and leaves it working", async () => {
    const a = await newAgent();
    const b = await newAgent();
    expectError(await api("DELETE", `/v1/agents/${b.agentId}/keys/${a.keyId}`), 404, "not_found");
    expect((await api("GET", "/v1/whoami", { key: a.key })).status).toBe(200);
  });

  it("404s keys of an agent that does not exist, and stores no key", async () => {
    const missing = uniqueId("ghost");
    expectError(await api("POST", `/v1/agents/${missing}/keys`), 404, "not_found");
    expectError(await api("GET", `/v1/agents/${missing}/keys`), 404, "not_found");
    expectError(await api("DELETE", `/v1/agents/${missing}/keys/key_nope`), 404, "not_found");
    expect(await count("SELECT COUNT(*) AS n FROM _agent_keys WHERE agent_id = ?", missing)).toBe(0);
  });

  it("refuses a key id over 64 characters with 400", async () => {
    const a = await newAgent();
    expect(invalidPaths(await api("DELETE", `/v1/agents/${a.agentId}/keys/${"k".repeat(65)}`))).toContain("key_id");
    expect((await api("GET", "/v1/whoami", { key: a.key })).status).toBe(200);
  });

  it("authenticates an admin-role agent as itself, not as the admin token", async () => {
    const a = await newAgent("admin");
    expect((await api("GET", "/v1/whoami", { key: a.key })).body).toEqual({ agent_id: a.agentId, role: "admin", attributes: {} });
    expect((await api("GET", "/v1/whoami", { key: ADMIN })).body.agent_id).toBe("admin");
  });
});
