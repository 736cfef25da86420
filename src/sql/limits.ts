/** The longest statement the SQL guard reads (a request's schema checks it too, before the guard runs). */
export const MAX_SQL_LENGTH = 100_000;
