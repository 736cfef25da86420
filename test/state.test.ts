import { SELF, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ISO_MILLIS, api, auditRowsFor, expectError, invalidPaths, newAgent, newRequestId, stringOfJsonBytes, uniqueId } from "./helpers";

const MiB = 1024 * 1024;

describe("agent state", () => {
  it("writes, versions and reads back a value", async () => {
    const a = await newAgent();
    const put = await api("PUT", `/v1/state/${a.agentId}/phase1_output`, { key: a.key, body: { value: { rows: 3 } } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ agent_id: a.agentId, key: "phase1_output", value: { rows: 3 }, version: 1 });
    expect(put.body.updated_at).toMatch(ISO_MILLIS);
    const put2 = await api("PUT", `/v1/state/${a.agentId}/phase1_output`, { key: a.key, body: { value: "done", expected_version: 1 } });
    expect(put2.body.version).toBe(2);
    const get = await api("GET", `/v1/state/${a.agentId}/phase1_output`, { key: a.key });
    expect(get.status).toBe(200);
    expect(get.body).toEqual({ ...put2.body });
    expect(get.body).toMatchObject({ agent_id: a.agentId, key: "phase1_output", value: "done", version: 2 });
  });

  it("grows the version by one per write, per key", async () => {
    const a = await newAgent();
    for (let i = 1; i <= 5; i++) {
      const res = await api("PUT", `/v1/state/${a.agentId}/counter`, { key: a.key, body: { value: i } });
      expect(res.body.version).toBe(i);
    }
    expect((await api("PUT", `/v1/state/${a.agentId}/other`, { key: a.key, body: { value: 0 } })).body.version).toBe(1);
    expect((await api("GET", `/v1/state/${a.agentId}/counter`, { key: a.key })).body).toMatchObject({ value: 5, version: 5 });
  });

  it("stores values of every JSON type exactly", async () => {
    const a = await newAgent();
    const values: Record<string, unknown> = {
      object: { nested: { list: [1, "two", { three: 3 }], empty: {} }, unicode: "日本語 ✓ \u0000 \"quoted\"" },
      array: [null, true, 1.5, "x", [], {}],
      string: "plain text",
      empty_string: "",
      integer: 42,
      negative_float: -0.125,
      big: 1.7976931348623157e308,
      boolean_true: true,
      boolean_false: false,
      null: null,
    };
    for (const [key, value] of Object.entries(values)) {
      const put = await api("PUT", `/v1/state/${a.agentId}/${key}`, { key: a.key, body: { value } });
      expect(put.status, key).toBe(200);
      expect(put.body.value, key).toEqual(value);
      const get = await api("GET", `/v1/state/${a.agentId}/${key}`, { key: a.key });
      expect(get.status, key).toBe(200);
      expect(get.body.value, key).toEqual(value);
    }
  });

  it("stores an object with a __proto__ key exactly as sent", async () => {
    const a = await newAgent();
    const raw = '{"value": {"__proto__": {"polluted": true}, "kept": 1}}';
    const put = await api("PUT", `/v1/state/${a.agentId}/odd_keys`, { key: a.key, raw });
    expect(put.status).toBe(200);
    const get = await api("GET", `/v1/state/${a.agentId}/odd_keys`, { key: a.key });
    expect(Object.keys(get.body.value).sort()).toEqual(["__proto__", "kept"]);
    expect(JSON.parse('{"__proto__": {"polluted": true}, "kept": 1}')).toEqual(get.body.value);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("answers 404 not_found to an unset key, and to a key after DELETE", async () => {
    const a = await newAgent();
    expectError(await api("GET", `/v1/state/${a.agentId}/never_set`, { key: a.key }), 404, "not_found");
    await api("PUT", `/v1/state/${a.agentId}/temp`, { key: a.key, body: { value: 1 } });
    const del = await api("DELETE", `/v1/state/${a.agentId}/temp`, { key: a.key });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ agent_id: a.agentId, key: "temp", deleted: true });
    expectError(await api("GET", `/v1/state/${a.agentId}/temp`, { key: a.key }), 404, "not_found");
    expectError(await api("DELETE", `/v1/state/${a.agentId}/temp`, { key: a.key }), 404, "not_found");
    expect((await api("GET", `/v1/state/${a.agentId}`, { key: a.key })).body.items).toEqual([]);
  });

  it("answers a key that held null with the null, not 404", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/nothing`, { key: a.key, body: { value: null } });
    const get = await api("GET", `/v1/state/${a.agentId}/nothing`, { key: a.key });
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ value: null, version: 1 });
  });
});

describe("compare-and-set", () => {
  it("refuses a wrong expected_version with 409 and changes nothing", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, body: { value: "v1" } });
    await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, body: { value: "v2" } });
    for (const expected of [1, 3, 99]) {
      const requestId = newRequestId();
      const res = await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, body: { value: "stale", expected_version: expected }, headers: { "x-request-id": requestId } });
      expectError(res, 409, "conflict");
      expect(res.body.error.details).toMatchObject({ expected_version: expected, current_version: 2 });
      expect(await auditRowsFor(requestId)).toEqual([]);
    }
    expect((await api("GET", `/v1/state/${a.agentId}/doc`, { key: a.key })).body).toMatchObject({ value: "v2", version: 2 });
  });

  it("writes with the right expected_version", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, body: { value: "v1" } });
    const res = await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, body: { value: "v2", expected_version: 1 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ value: "v2", version: 2 });
  });

  it("treats expected_version 0 as 'only if unset'", async () => {
    const a = await newAgent();
    const first = await api("PUT", `/v1/state/${a.agentId}/lock`, { key: a.key, body: { value: "mine", expected_version: 0 } });
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(1);
    const second = await api("PUT", `/v1/state/${a.agentId}/lock`, { key: a.key, body: { value: "theirs", expected_version: 0 } });
    expectError(second, 409, "conflict");
    expect(second.body.error.details).toMatchObject({ expected_version: 0, current_version: 1 });
    expect((await api("GET", `/v1/state/${a.agentId}/lock`, { key: a.key })).body).toMatchObject({ value: "mine", version: 1 });
  });

  it("refuses an expected_version for a key that is unset", async () => {
    const a = await newAgent();
    const res = await api("PUT", `/v1/state/${a.agentId}/fresh`, { key: a.key, body: { value: 1, expected_version: 1 } });
    expectError(res, 409, "conflict");
    expectError(await api("GET", `/v1/state/${a.agentId}/fresh`, { key: a.key }), 404, "not_found");
  });

  it("deletes only at the expected_version when one is given", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, body: { value: 1 } });
    await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, body: { value: 2 } });
    expectError(await api("DELETE", `/v1/state/${a.agentId}/doc?expected_version=1`, { key: a.key }), 409, "conflict");
    expect((await api("GET", `/v1/state/${a.agentId}/doc`, { key: a.key })).body.version).toBe(2);
    expect((await api("DELETE", `/v1/state/${a.agentId}/doc?expected_version=2`, { key: a.key })).status).toBe(200);
    expectError(await api("GET", `/v1/state/${a.agentId}/doc`, { key: a.key }), 404, "not_found");
  });

  it("lets exactly one of 20 concurrent writes with the same expected_version win; the other 19 get 409", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/race`, { key: a.key, body: { value: "start" } });
    await api("PUT", `/v1/state/${a.agentId}/race`, { key: a.key, body: { value: "base" } });

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api("PUT", `/v1/state/${a.agentId}/race`, { key: a.key, body: { value: { writer: i }, expected_version: 2 } }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    const losers = results.filter((r) => r.status === 409);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) expect(loser.body.error).toMatchObject({ code: "conflict", details: { expected_version: 2, current_version: 3 } });

    const final = await api("GET", `/v1/state/${a.agentId}/race`, { key: a.key });
    expect(final.body.version).toBe(3);
    expect(final.body.value).toEqual(winners[0]!.body.value);
  });

  it("serialises 20 concurrent unconditional writes into versions 1 to 20", async () => {
    const a = await newAgent();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api("PUT", `/v1/state/${a.agentId}/tally`, { key: a.key, body: { value: i } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(results.map((r) => r.body.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await api("GET", `/v1/state/${a.agentId}/tally`, { key: a.key })).body.version).toBe(20);
  });
});

describe("listing state keys", () => {
  it("pages through keys in key order with limit and cursor, ending with next_cursor null", async () => {
    const a = await newAgent();
    const keys = ["delta", "alpha", "echo", "charlie", "bravo"];
    for (const key of keys) await api("PUT", `/v1/state/${a.agentId}/${key}`, { key: a.key, body: { value: key } });
    await api("PUT", `/v1/state/${a.agentId}/alpha`, { key: a.key, body: { value: "again" } });

    const seen: { key: string; version: number; updated_at: string; size_bytes: number }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await api("GET", `/v1/state/${a.agentId}${query}`, { key: a.key });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);

    expect(pages).toBe(3);
    expect(seen.map((s) => s.key)).toEqual([...keys].sort());
    expect(seen[0]).toEqual({ key: "alpha", version: 2, updated_at: expect.stringMatching(ISO_MILLIS), size_bytes: '"again"'.length });
  });

  it("lists an agent with no state as an empty page", async () => {
    const a = await newAgent();
    expect((await api("GET", `/v1/state/${a.agentId}`, { key: a.key })).body).toEqual({ items: [], next_cursor: null });
  });

  it("refuses a bad cursor or limit with 400", async () => {
    const a = await newAgent();
    expect(invalidPaths(await api("GET", `/v1/state/${a.agentId}?cursor=garbage`, { key: a.key }))).toContain("cursor");
    expect(invalidPaths(await api("GET", `/v1/state/${a.agentId}?limit=0`, { key: a.key }))).toContain("limit");
    expect(invalidPaths(await api("GET", `/v1/state/${a.agentId}?limit=many`, { key: a.key }))).toContain("limit");
  });
});

describe("unknown agents", () => {
  it("answers 404 to the admin writing state for an agent that does not exist, and stores nothing", async () => {
    const ghost = uniqueId("ghost");
    const requestId = newRequestId();
    const res = await api("PUT", `/v1/state/${ghost}/k`, { body: { value: 1 }, headers: { "x-request-id": requestId } });
    expectError(res, 404, "not_found");
    expect(await auditRowsFor(requestId)).toEqual([]);
    expectError(await api("GET", `/v1/state/${ghost}`), 404, "not_found");
    expectError(await api("GET", `/v1/state/${ghost}/k`), 404, "not_found");
    expectError(await api("DELETE", `/v1/state/${ghost}/k`), 404, "not_found");

    // Registering the id later does not reveal a value written before it existed.
    await api("POST", "/v1/agents", { body: { agent_id: ghost } });
    expectError(await api("GET", `/v1/state/${ghost}/k`), 404, "not_found");
    expect((await api("GET", `/v1/state/${ghost}`)).body.items).toEqual([]);
  });

  it("gives the admin token no state of its own: 'admin' is no agent", async () => {
    expectError(await api("PUT", "/v1/state/admin/scratch", { body: { value: 1 } }), 404, "not_found");
    expectError(await api("GET", "/v1/state/admin"), 404, "not_found");
    expectError(await api("GET", "/v1/state/admin/scratch"), 404, "not_found");
  });

  it("answers 404 to an agent listing or reading the state of an agent that does not exist", async () => {
    const a = await newAgent();
    const ghost = uniqueId("ghost");
    expectError(await api("GET", `/v1/state/${ghost}`, { key: a.key }), 404, "not_found");
    expectError(await api("GET", `/v1/state/${ghost}/k`, { key: a.key }), 404, "not_found");
  });
});

describe("bad state requests: 4xx and nothing stored", () => {
  /** After each bad request: the key still holds what it held, and nothing was audited. */
  async function expectUntouched(agentId: string, key: string, requestId: string) {
    const get = await api("GET", `/v1/state/${agentId}/${key}`);
    expect(get.body).toMatchObject({ value: "original", version: 1 });
    expect(await auditRowsFor(requestId)).toEqual([]);
  }

  const badBodies: [string, string, string][] = [
    ["a missing value", JSON.stringify({ expected_version: 1 }), "value"],
    ["an empty object", "{}", "value"],
    ["a string expected_version", JSON.stringify({ value: 1, expected_version: "1" }), "expected_version"],
    ["a negative expected_version", JSON.stringify({ value: 1, expected_version: -1 }), "expected_version"],
    ["a fractional expected_version", JSON.stringify({ value: 1, expected_version: 1.5 }), "expected_version"],
    ["an unknown field", JSON.stringify({ value: 1, ttl: 60 }), "ttl"],
    ["a bare value instead of an envelope", JSON.stringify("just a string"), "(body)"],
    ["malformed JSON", '{"value": "unterminated', "(body)"],
    ["JSON nested 200 levels deep", `{"value": ${"[".repeat(200)}${"]".repeat(200)}}`, "(body)"],
  ];
  for (const [name, raw, path] of badBodies) {
    it(`refuses ${name} with 400 naming ${path}`, async () => {
      const a = await newAgent();
      await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, body: { value: "original" } });
      const requestId = newRequestId();
      const res = await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, raw, headers: { "x-request-id": requestId } });
      expect(invalidPaths(res)).toContain(path);
      await expectUntouched(a.agentId, "doc", requestId);
    });
  }

  it("refuses a body that is not sent as JSON with 400, and no body at all with 400", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, body: { value: "original" } });
    const requestId = newRequestId();
    const asText = await api("PUT", `/v1/state/${a.agentId}/doc`, {
      key: a.key,
      raw: JSON.stringify({ value: "changed" }),
      headers: { "content-type": "text/plain", "x-request-id": requestId },
    });
    expect(invalidPaths(asText)).toContain("Content-Type");
    const empty = await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, headers: { "x-request-id": requestId } });
    expect(invalidPaths(empty)).toEqual(["(body)"]);
    await expectUntouched(a.agentId, "doc", requestId);
  });

  it("accepts JSON nested 99 levels deep in the value", async () => {
    const a = await newAgent();
    const raw = `{"value": ${"[".repeat(99)}${"]".repeat(99)}}`;
    const res = await api("PUT", `/v1/state/${a.agentId}/deep`, { key: a.key, raw });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body.value)).toBe(`${"[".repeat(99)}${"]".repeat(99)}`);
  });

  it("counts only real nesting: brackets and escaped quotes inside strings are just text", async () => {
    const a = await newAgent();
    const value = { text: `${"[".repeat(500)} \" ${"{".repeat(500)}`, list: [["\\"], "]]]"] };
    const res = await api("PUT", `/v1/state/${a.agentId}/brackets`, { key: a.key, body: { value } });
    expect(res.status).toBe(200);
    expect((await api("GET", `/v1/state/${a.agentId}/brackets`, { key: a.key })).body.value).toEqual(value);
  });

  it("refuses an invalid key or agent id in the path with 400", async () => {
    const a = await newAgent();
    for (const key of ["-leading-dash", "has%20space", "a".repeat(257), "semi%3Bcolon"]) {
      expect(invalidPaths(await api("PUT", `/v1/state/${a.agentId}/${key}`, { key: a.key, body: { value: 1 } }))).toContain("key");
      expect(invalidPaths(await api("GET", `/v1/state/${a.agentId}/${key}`, { key: a.key }))).toContain("key");
      expect(invalidPaths(await api("DELETE", `/v1/state/${a.agentId}/${key}`, { key: a.key }))).toContain("key");
    }
    expect(invalidPaths(await api("GET", "/v1/state/-bad-agent/k", { key: a.key }))).toContain("agent_id");
    expect(invalidPaths(await api("GET", "/v1/state/-bad-agent", { key: a.key }))).toContain("agent_id");
    expect((await api("GET", `/v1/state/${a.agentId}`, { key: a.key })).body.items).toEqual([]);
  });

  it("accepts a 256-character key", async () => {
    const a = await newAgent();
    const key = `k${"._:-9".repeat(51)}`;
    expect(key).toHaveLength(256);
    expect((await api("PUT", `/v1/state/${a.agentId}/${key}`, { key: a.key, body: { value: 1 } })).status).toBe(200);
    expect((await api("GET", `/v1/state/${a.agentId}/${key}`, { key: a.key })).body.key).toBe(key);
  });

  it("refuses a non-numeric expected_version on DELETE with 400 and keeps the value", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/doc`, { key: a.key, body: { value: "original" } });
    expect(invalidPaths(await api("DELETE", `/v1/state/${a.agentId}/doc?expected_version=abc`, { key: a.key }))).toContain("expected_version");
    await expectUntouched(a.agentId, "doc", newRequestId());
  });
});

describe("value size", () => {
  it("accepts a value of exactly 1 MiB of JSON and returns it whole", async () => {
    const a = await newAgent();
    const value = stringOfJsonBytes(MiB);
    const put = await api("PUT", `/v1/state/${a.agentId}/big`, { key: a.key, body: { value } });
    expect(put.status).toBe(200);
    const get = await api("GET", `/v1/state/${a.agentId}/big`, { key: a.key });
    expect(get.body.value).toBe(value);
    const listed = await api("GET", `/v1/state/${a.agentId}`, { key: a.key });
    expect(listed.body.items).toEqual([expect.objectContaining({ key: "big", size_bytes: MiB })]);
  });

  it("refuses a value one byte over 1 MiB with 413 payload_too_large and stores nothing", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/big`, { key: a.key, body: { value: "original" } });
    const requestId = newRequestId();
    const res = await api("PUT", `/v1/state/${a.agentId}/big`, { key: a.key, body: { value: stringOfJsonBytes(MiB + 1) }, headers: { "x-request-id": requestId } });
    expectError(res, 413, "payload_too_large");
    expect(res.body.error.details).toMatchObject({ path: "value", size_bytes: MiB + 1, limit_bytes: MiB });
    expect((await api("GET", `/v1/state/${a.agentId}/big`, { key: a.key })).body).toMatchObject({ value: "original", version: 1 });
    expect(await auditRowsFor(requestId)).toEqual([]);

    const fresh = await api("PUT", `/v1/state/${a.agentId}/fresh`, { key: a.key, body: { value: [stringOfJsonBytes(MiB)] } });
    expectError(fresh, 413, "payload_too_large");
    expectError(await api("GET", `/v1/state/${a.agentId}/fresh`, { key: a.key }), 404, "not_found");
  });

  it("measures the limit in UTF-8 bytes, not characters", async () => {
    const a = await newAgent();
    // 530,000 two-byte characters: under 1 Mi characters, over 1 MiB of UTF-8.
    const res = await api("PUT", `/v1/state/${a.agentId}/accents`, { key: a.key, body: { value: "é".repeat(530_000) } });
    expectError(res, 413, "payload_too_large");
    expectError(await api("GET", `/v1/state/${a.agentId}/accents`, { key: a.key }), 404, "not_found");
  });

  it("refuses a body over the global limit with 413 before reading it, and stores nothing", async () => {
    const a = await newAgent();
    const res = await api("PUT", `/v1/state/${a.agentId}/huge`, { key: a.key, body: { value: stringOfJsonBytes(2 * MiB) } });
    expectError(res, 413, "payload_too_large");
    expectError(await api("GET", `/v1/state/${a.agentId}/huge`, { key: a.key }), 404, "not_found");
  });

  it("refuses a streamed body over the global limit with 413", async () => {
    const a = await newAgent();
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"value": "'));
      },
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        }
      },
    });
    const res = await SELF.fetch(`https://switchyard.test/v1/state/${a.agentId}/streamed`, {
      method: "PUT",
      headers: { authorization: `Bearer ${a.key}`, "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expectError(await api("GET", `/v1/state/${a.agentId}/streamed`, { key: a.key }), 404, "not_found");
  });
});

describe("durability", () => {
  it("keeps values across a restart of the agent's Durable Object", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/memo`, { key: a.key, body: { value: { survived: true } } });
    await api("PUT", `/v1/state/${a.agentId}/memo`, { key: a.key, body: { value: { survived: "yes" } } });

    const stub = env.AGENT.get(env.AGENT.idFromName(a.agentId));
    // The object is running and holds the value in its own storage...
    await runInDurableObject(stub, (_instance, state) => {
      const rows = state.storage.sql.exec("SELECT key, version FROM state").toArray();
      expect(rows).toEqual([{ key: "memo", version: 2 }]);
    });
    // ...and after it is evicted, a new instance reads the same value back.
    await evictDurableObject(stub);
    const get = await api("GET", `/v1/state/${a.agentId}/memo`, { key: a.key });
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ value: { survived: "yes" }, version: 2 });
    const next = await api("PUT", `/v1/state/${a.agentId}/memo`, { key: a.key, body: { value: 3, expected_version: 2 } });
    expect(next.body.version).toBe(3);
  });
});
