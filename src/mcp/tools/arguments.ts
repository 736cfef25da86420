import { z } from "zod";
import { NAME_PATTERN } from "../../http/openapi";

// Argument schemas several tools share. The REST route validates again, in full: these give the model a
// precise schema to fill and catch the obvious mistakes before a request is made.

export const agentId = (description: string) =>
  z.string().regex(NAME_PATTERN, "must be 1-128 characters: letters, digits and . _ : - (starting with a letter or digit)").describe(description);

export const nonEmpty = (description: string) => z.string().min(1).describe(description);

/** Any JSON object, as metadata is. */
export const jsonObject = (description: string) => z.record(z.string(), z.json()).describe(description);

export const branchId = z.string().regex(/^br_[0-9a-z]{26}$/, "must be a branch id (br_…)").describe("The branch's id, as branch_create returned it (br_…).");

export const sql = z.string().min(1).describe("One SQLite statement (Postgres' NOW() and `ts - INTERVAL '1 hour'` are understood). A trailing ; is fine.");

export const sqlParams = z
  .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .max(100)
  .optional()
  .describe("Values for the statement's ? placeholders, in order.");
