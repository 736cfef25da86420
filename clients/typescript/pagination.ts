/** One page of a list: the contract's `{items, next_cursor}`; `next_cursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** `?limit=&cursor=`, accepted by every list. */
export interface PageOptions {
  /** Page size, 1-100 (the server's default is 50). */
  limit?: number;
  /** The `next_cursor` of the previous page, unchanged. */
  cursor?: string;
}

/**
 * Walks every page of a list, one request per page, yielding its items in order. `fetchPage` gets
 * the cursor to ask for (undefined for the first page).
 *
 * @example
 * for await (const agent of paginate((cursor) => admin.agents.list({ cursor, limit: 100 }))) {
 *   console.log(agent.agent_id);
 * }
 */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    yield* page.items;
    if (page.next_cursor === null || page.next_cursor === undefined) return;
    // A server that hands back the cursor it was given would make this loop forever.
    if (page.next_cursor === cursor) throw new Error(`Switchyard: the list returned the same cursor twice (${cursor}); stopping.`);
    cursor = page.next_cursor;
  }
}
