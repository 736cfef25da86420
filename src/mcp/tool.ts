import type { ToolAnnotations } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { Principal } from "../authz/principal";
import type { RestClient } from "./rest-client";

// A tool is a small declarative entry: its name, what a model needs to use it unaided (title, description,
// the arguments with a description each), its behaviour hints, and `run`, which turns the arguments into
// the REST request(s) the tool stands for and shapes the answer as the tool's result.

export interface ToolContext {
  rest: RestClient;
  /** The authenticated caller: namespaces and inboxes default to its own id. */
  caller: Principal;
}

export interface Tool {
  name: string;
  title: string;
  description: string;
  /** A strict object: an argument the schema does not name is an error. */
  input: z.ZodObject;
  annotations: ToolAnnotations;
  /**
   * For a tool whose result is a JSON array: the key `structuredContent` (which must be an object) wraps
   * it under. `content[0].text` keeps the bare array, as HatiData's clients read it.
   */
  listKey?: "items" | "rows";
  run(args: unknown, context: ToolContext): Promise<unknown>;
}

/**
 * A result whose structured form says more than its text: `text` is what `content[0].text` carries (the
 * shape HatiData's clients parse, e.g. a bare array of rows), `structured` the object `structuredContent` is.
 */
export class ToolOutput {
  constructor(
    readonly text: unknown,
    readonly structured: Record<string, unknown>,
  ) {}
}

/** Declares a tool, typing `run`'s arguments from the schema (which the SDK has validated before `run`). */
export function defineTool<S extends z.ZodObject>(tool: Omit<Tool, "input" | "run"> & { input: S; run(args: z.output<S>, context: ToolContext): Promise<unknown> }): Tool {
  return { ...tool, run: (args, context) => tool.run(args as z.output<S>, context) };
}

/** Reads only: safe to call at any time, any number of times. */
export const READS: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
/** Adds something new (a memory, a step, a branch…): calling it twice adds it twice. */
export const ADDS: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
/** Changes or removes what exists; calling it again with the same arguments changes nothing more. */
export const REPLACES: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };
/** Changes or removes what exists, and may do more each time it is called. */
export const CHANGES: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false };
