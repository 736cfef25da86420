import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

/**
 * How deeply a request body's JSON may nest (the body object itself is level 1). Validation walks
 * values recursively, so an unbounded depth would let a few kilobytes of `[[[[…]]]]` exhaust the stack
 * and turn a malformed request into a 500. 100 levels is far more than any real payload needs.
 */
export const MAX_JSON_DEPTH = 100;

/** The deepest nesting of arrays and objects in a JSON text, found without parsing (nor recursing). */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b /* [ */ || ch === 0x7b /* { */) deepest = Math.max(deepest, ++depth);
    else if (ch === 0x5d /* ] */ || ch === 0x7d /* } */) depth--;
  }
  return deepest;
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Refuses a JSON body nested deeper than MAX_JSON_DEPTH with 400, before any validator walks it. */
export const jsonDepthGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  const mediaType = c.req.header("content-type")?.split(";")[0]?.trim() ?? "";
  if (JSON_MEDIA_TYPE.test(mediaType) && jsonNestingDepth(await c.req.text()) > MAX_JSON_DEPTH) {
    throw new ApiError("invalid_request", `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; flatten it.`, [
      { path: "(body)", message: `nests deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  }
  await next();
};
