import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = ReturnType<typeof connect>;

const connect = (binding: D1Database) => drizzle(binding, { schema });

// drizzle walks the whole schema each time it is built: once per binding, not once per request.
const connections = new WeakMap<D1Database, Database>();

export function database(env: Env): Database {
  let db = connections.get(env.DB);
  if (!db) {
    db = connect(env.DB);
    connections.set(env.DB, db);
  }
  return db;
}
