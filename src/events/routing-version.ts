import { sql } from "drizzle-orm";
import { eventRouting } from "../db/schema";

/** The event routing's version as a column of another query (authentication's key lookup reads it for free). */
export const eventRoutingVersionColumn = sql<string | null>`(SELECT ${eventRouting.version} FROM ${eventRouting} WHERE ${eventRouting.id} = 1)`;
