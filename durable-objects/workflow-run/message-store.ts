import type { Json } from "../../src/workflows/definition/types";

export interface MessageRow {
  message_id: string;
  from_agent: string;
  to_agent: string;
  schema: string | null;
  body: Json;
  sent_at: number;
  from_task_id: string | null;
  to_task_id: string | null;
  span_id: string;
}

/** Messages sent along a message-passing flow, in the order sent. */
export class MessageStore {
  constructor(private readonly sql: SqlStorage) {}

  insert(message: MessageRow): void {
    this.sql.exec(
      `INSERT INTO messages (message_id, from_agent, to_agent, schema, body, sent_at, from_task_id, to_task_id, span_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      message.message_id,
      message.from_agent,
      message.to_agent,
      message.schema,
      JSON.stringify(message.body),
      message.sent_at,
      message.from_task_id,
      message.to_task_id,
      message.span_id,
    );
  }

  all(): MessageRow[] {
    return this.sql
      .exec<Omit<MessageRow, "body"> & { body: string }>(
        "SELECT message_id, from_agent, to_agent, schema, body, sent_at, from_task_id, to_task_id, span_id FROM messages ORDER BY seq",
      )
      .toArray()
      .map((row) => ({ ...row, body: JSON.parse(row.body) as Json }));
  }
}
