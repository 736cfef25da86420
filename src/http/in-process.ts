import type { MiddlewareHandler } from "hono";
import type { Principal } from "../authz/principal";
import type { AppEnv } from "./context";

// Requests the Worker makes to its own routes on behalf of a caller it has already authenticated (the MCP
// endpoint turns each tool call into the REST request it stands for). They carry that caller, so the key
// is not looked up twice. The caller travels in a WeakMap keyed by the very Request object: only code in
// this isolate that built the request can have put it there, nothing that arrives over the network is
// ever a key of it, and the entry goes away with the request.
const callers = new WeakMap<Request, Principal>();

/** A request to this Worker's own routes, made as `principal`. Never hand it to anything outside the Worker. */
export function inProcessRequest(principal: Principal, input: string, init: RequestInit): Request {
  const request = new Request(input, init);
  callers.set(request, principal);
  return request;
}

/**
 * Takes the caller of an in-process request before any middleware may replace `c.req.raw` (the body
 * limit rebuilds the request when it has to count a body's bytes): `authenticate` then finds it set.
 */
export const inProcessCaller: MiddlewareHandler<AppEnv> = async (c, next) => {
  const principal = callers.get(c.req.raw);
  if (principal) {
    c.set("principal", principal);
    c.set("authentication", Promise.resolve(principal));
  }
  await next();
};
