import type { MiddlewareHandler } from "hono";
import { newId } from "../lib/ids";
import type { AppEnv } from "./context";

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps the caller's `X-Request-Id` (when it is a sane token) or makes one; either way it is echoed back. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const given = c.req.header("x-request-id");
  const id = given && ACCEPTABLE.test(given) ? given : newId("req");
  c.set("requestId", id);
  await next();
  c.res.headers.set("X-Request-Id", id);
};
