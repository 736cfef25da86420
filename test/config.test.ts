import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEV_ADMIN_TOKEN, adminToken } from "../src/config";
import { ApiError } from "../src/http/errors";
import { app } from "../src/app";

const withEnv = (overrides: Record<string, string | undefined>) => ({ ...env, ...overrides }) as Env;

describe("the admin token", () => {
  it("is the ADMIN_TOKEN secret when one is set", () => {
    expect(adminToken(withEnv({ ADMIN_TOKEN: "s3cret" }))).toBe("s3cret");
  });

  it("falls back to the dev token only in local development", () => {
    expect(adminToken(withEnv({ ADMIN_TOKEN: undefined, SWITCHYARD_ENV: "development" }))).toBe(DEV_ADMIN_TOKEN);
  });

  it("is refused with 503 and a reason on a deployment without ADMIN_TOKEN", async () => {
    const deployed = withEnv({ ADMIN_TOKEN: undefined, SWITCHYARD_ENV: "production" });
    expect(() => adminToken(deployed)).toThrow(ApiError);
    const res = await app.request("/v1/agents", { headers: { authorization: `Bearer ${DEV_ADMIN_TOKEN}` } }, deployed);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("unavailable");
    expect(body.error.message).toContain("ADMIN_TOKEN");
  });
});
