import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
import { invalidFromZod } from "./errors";

/** A router whose validation failures become the contract's 400 with field paths. */
export const router = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) throw invalidFromZod(result.error, validationTarget(c.req.method, result.target));
    },
  });

function validationTarget(method: string, target: string): string {
  if (target === "json") return `${method} body`;
  if (target === "param") return "path";
  if (target === "query") return "query string";
  return target;
}
