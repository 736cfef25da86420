// Functions are allowed by name, not refused by name: an allow-list keeps out what reaches outside the
// data layer (load_extension, fts3_tokenizer, readfile/writefile where a build has them), the
// introspection ones (sqlite_compileoption_*, sqlite_offset) and any function a future SQLite adds,
// until someone decides it is safe. All of these are pure computations over their arguments.

const CORE = [
  "abs", "changes", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex", "ifnull", "iif", "if",
  "instr", "last_insert_rowid", "length", "like", "likelihood", "likely", "lower", "ltrim", "max", "min",
  "nullif", "octet_length", "printf", "quote", "random", "randomblob", "replace", "round", "rtrim", "sign",
  "soundex", "substr", "substring", "total_changes", "trim", "typeof", "unhex", "unicode",
  "unlikely", "upper", "zeroblob",
];
const DATE_TIME = ["date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff"];
const AGGREGATE = ["avg", "count", "group_concat", "string_agg", "sum", "total", "median", "percentile", "percentile_cont", "percentile_disc"];
const WINDOW = [
  "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
  "last_value", "nth_value",
];
const MATH = [
  "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos", "cosh", "degrees", "exp",
  "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians", "sin", "sinh", "sqrt", "tan",
  "tanh", "trunc",
];
const JSON_SCALAR = [
  "json", "json_array", "json_array_length", "json_error_position", "json_extract", "json_insert", "json_object",
  "json_patch", "json_pretty", "json_remove", "json_replace", "json_set", "json_type", "json_valid", "json_quote",
  "json_group_array", "json_group_object",
];
const JSONB = JSON_SCALAR.filter((f) => f !== "json_valid" && f !== "json_quote" && f !== "json_error_position" && f !== "json_array_length" && f !== "json_type" && f !== "json_pretty").map((f) => f.replace(/^json/, "jsonb"));

/** Scalar, aggregate and window functions a statement may call (lower case). */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([...CORE, ...DATE_TIME, ...AGGREGATE, ...WINDOW, ...MATH, ...JSON_SCALAR, ...JSONB]);

/** Table-valued functions a FROM clause (or `x IN f(...)`) may call. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(["json_each", "json_tree", "jsonb_each", "jsonb_tree"]);
