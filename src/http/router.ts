import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
import { ApiError, invalidFromZod } from "./errors";

/** A router whose validation failures become the contract's 400 with field paths. */
export const router = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      // A required JSON body sent with no Content-Type (so, no body) reaches validation as `{}`, which a
      // PATCH of optional fields would accept as a change of nothing: it is a missing body instead.
      if (result.target === "json" && !c.req.header("content-type"))
        throw new ApiError("invalid_request", "This request needs a JSON body, sent with `Content-Type: application/json`.", [
          { path: "(body)", message: "is required" },
        ]);
      if (!result.success) throw invalidFromZod(result.error, validationTarget(c.req.method, result.target));
    },
  });

function validationTarget(method: string, target: string): string {
  if (target === "json") return `${method} body`;
  if (target === "param") return "path";
  if (target === "query") return "query string";
  return target;
}
