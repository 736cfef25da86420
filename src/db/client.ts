import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = ReturnType<typeof connect>;

const connect = (binding: D1Database) => drizzle(binding, { schema });

// drizzle walks the whole schema each time it is built: once per binding, not once per request.
const connections = new WeakMap<D1Database, Database>();

export function database(env: Env): Database {
  return databaseOf(env.DB);
}

/** The same, for code that holds the binding rather than the whole environment (a run's record effect). */
export function databaseOf(binding: D1Database): Database {
  let db = connections.get(binding);
  if (!db) {
    db = connect(binding);
    connections.set(binding, db);
  }
  return db;
}
