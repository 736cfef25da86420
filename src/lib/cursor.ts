import { ApiError } from "../http/errors";

// Cursors are opaque to callers: base64url JSON of the last row's sort key.

export function encodeCursor(key: string | number): string {
  return btoa(JSON.stringify([key])).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  try {
    const json = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const parsed: unknown = JSON.parse(json);
    if (Array.isArray(parsed) && (typeof parsed[0] === "string" || typeof parsed[0] === "number")) return String(parsed[0]);
  } catch {
    // fall through: a cursor that does not decode is the caller's error, reported below
  }
  throw invalidCursor();
}

/** For pages keyed by a position: the decoded integer, at least `min`; undefined for the first page. */
export function decodeIntegerCursor(cursor: string | undefined, min: number): number | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return undefined;
  const n = Number(decoded);
  if (!Number.isSafeInteger(n) || n < min) throw invalidCursor();
  return n;
}

const invalidCursor = () =>
  new ApiError("invalid_request", "The cursor is not one this API returned; pass `next_cursor` unchanged.", [{ path: "cursor", message: "invalid cursor" }]);

/** Given `limit + 1` rows, the page and the cursor for the next one. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => string | number) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
