import { z } from "@hono/zod-openapi";
import { AgentIdSchema, TimestampSchema, listOf, queryInteger } from "../http/openapi";

export const MAX_CONTENT_BYTES = 64 * 1024;
export const MAX_TOP_K = 100;
export const MAX_NAMESPACES_PER_SEARCH = 20;
export const MEMORY_TYPES = ["fact", "observation", "instruction", "preference", "episode"] as const;

const utf8Bytes = (s: string) => new TextEncoder().encode(s).byteLength;

export const MemoryTypeSchema = z.enum(MEMORY_TYPES);

const MetadataValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** Keys become JSON paths in SQL and Vectorize metadata; `_sy_` is kept for Switchyard's own fields in the index. */
export const RESERVED_METADATA_PREFIX = "_sy_";
const MetadataKeySchema = z
  .string()
  .regex(/^[^"\\$][^"\\]{0,127}$/, 'keys are 1-128 characters, without " or \\, not starting with $')
  .refine((k) => !k.startsWith(RESERVED_METADATA_PREFIX), `keys starting with ${RESERVED_METADATA_PREFIX} are reserved`);
export const MetadataSchema = z
  .record(MetadataKeySchema, MetadataValueSchema)
  .refine((m) => Object.keys(m).length <= 64, "metadata may have at most 64 keys")
  // Vectorize keeps at most 10 KiB of metadata per vector, Switchyard's own fields included.
  .refine((m) => new TextEncoder().encode(JSON.stringify(m)).byteLength <= 8192, "metadata must be at most 8 KiB of JSON")
  .openapi({
    description: "Flat JSON: string, number, boolean or null values. Searchable with `filter`.",
    example: { topic: "ltv", confidence: 0.93 },
  });

const OPERATORS = ["$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte"] as const;
const OperatorConditionSchema = z
  .strictObject({
    $eq: MetadataValueSchema.optional(),
    $ne: MetadataValueSchema.optional(),
    $in: z.array(MetadataValueSchema).min(1).max(100).optional(),
    $nin: z.array(MetadataValueSchema).min(1).max(100).optional(),
    $gt: z.union([z.number(), z.string()]).optional(),
    $gte: z.union([z.number(), z.string()]).optional(),
    $lt: z.union([z.number(), z.string()]).optional(),
    $lte: z.union([z.number(), z.string()]).optional(),
  })
  .refine((o) => Object.keys(o).length > 0, `an operator object needs one of ${OPERATORS.join(" ")}`);

export const FilterSchema = z
  .record(MetadataKeySchema, z.union([MetadataValueSchema, OperatorConditionSchema]))
  .refine((f) => Object.keys(f).length <= 16, "a filter may test at most 16 fields")
  .openapi({
    description:
      "Matches metadata: `{\"topic\": \"x\"}` (equals) or operators `$eq $ne $in $nin $gt $gte $lt $lte`. Values compare by JSON type: " +
      "a number never equals a string, and `$gt` compares numbers as numbers and strings as text. All fields must match.",
    example: { confidence: { $gte: 0.9 } },
  });

const ContentSchema = z
  .string()
  .refine((s) => s.trim().length > 0, "content must not be empty")
  .refine((s) => utf8Bytes(s) <= MAX_CONTENT_BYTES, `content must be at most ${MAX_CONTENT_BYTES} bytes (64 KiB)`);

export const StoreMemorySchema = z
  .strictObject({
    agent_id: AgentIdSchema.openapi({
      description: "The namespace: an agent's own id is private to it; any other name is a shared namespace.",
      example: "shared-knowledge-base",
    }),
    content: ContentSchema,
    metadata: MetadataSchema.default({}),
    memory_type: MemoryTypeSchema.default("fact"),
    importance: z.number().min(0).max(1).default(0.5),
    ttl_seconds: z.number().int().min(1).max(10 * 365 * 24 * 3600).optional(),
  })
  .openapi("StoreMemory");

export const MAX_BATCH_MEMORIES = 100;

export const StoreMemoryBatchSchema = z
  .strictObject({ memories: z.array(StoreMemorySchema).min(1).max(MAX_BATCH_MEMORIES) })
  .openapi("StoreMemoryBatch");

export const MemorySchema = z
  .object({
    memory_id: z.string().openapi({ example: "mem_01jd2k3m4n5p6q7r8s9t0v1w2x" }),
    agent_id: z.string(),
    content: z.string(),
    metadata: z.record(z.string(), MetadataValueSchema),
    memory_type: MemoryTypeSchema,
    importance: z.number(),
    created_by: z.string(),
    created_at: TimestampSchema,
    expires_at: TimestampSchema.nullable(),
    access_count: z.number().int(),
    last_accessed_at: TimestampSchema.nullable(),
  })
  .openapi("Memory");

export const MemoryBatchSchema = z.object({ items: z.array(MemorySchema) }).openapi("MemoryBatch");

export const SearchModeSchema = z.enum(["hybrid", "vector", "keyword"]);

export const SearchMemorySchema = z
  .strictObject({
    agent_id: z
      .union([AgentIdSchema, z.array(AgentIdSchema).min(1).max(MAX_NAMESPACES_PER_SEARCH)])
      .openapi({ description: "A namespace, or a list of namespaces searched together." }),
    query: z
      .string()
      .refine((s) => s.trim().length > 0, "query must not be empty")
      .refine((s) => utf8Bytes(s) <= 4096, "query must be at most 4096 bytes"),
    top_k: z.number().int().min(1).max(MAX_TOP_K).default(10),
    filter: FilterSchema.optional(),
    min_score: z.number().min(0).max(1).optional(),
    min_importance: z.number().min(0).max(1).optional(),
    memory_type: z.union([MemoryTypeSchema, z.array(MemoryTypeSchema).min(1)]).optional(),
    mode: SearchModeSchema.default("hybrid"),
  })
  .openapi("SearchMemory");

export const SearchResultSchema = z
  .object({
    memory_id: z.string(),
    agent_id: z.string(),
    content: z.string(),
    metadata: z.record(z.string(), MetadataValueSchema),
    memory_type: MemoryTypeSchema,
    importance: z.number(),
    score: z.number().openapi({
      description:
        "Relevance in 0..1, higher is better. vector: cosine similarity; keyword: BM25 relative to the best keyword match; " +
        "hybrid: logistic(0.8 × z(vector) + 0.2 × z(keyword)), each ranking standardised over the query's candidates (docs/memory.md).",
    }),
    created_at: TimestampSchema,
  })
  .openapi("SearchResult");

export const SearchResponseSchema = z.object({ results: z.array(SearchResultSchema) }).openapi("SearchResponse");

export const ListMemoryQuerySchema = z.object({
  agent_id: AgentIdSchema,
  limit: queryInteger(1, 100).default(50),
  cursor: z.string().max(512).optional(),
  memory_type: MemoryTypeSchema.optional(),
});

export const MemoryListSchema = listOf(MemorySchema, "MemoryList");

export const DeletedMemorySchema = z.object({ memory_id: z.string(), deleted: z.literal(true) }).openapi("DeletedMemory");

export const CleanupMemorySchema = z
  .strictObject({
    agent_id: AgentIdSchema,
    min_importance: z.number().min(0).max(1).openapi({ description: "Memories with importance below this are removed." }),
    older_than_seconds: z.number().int().min(0).optional().openapi({ description: "Only memories created at least this long ago." }),
  })
  .openapi("CleanupMemory");

export const CleanupResultSchema = z.object({ deleted: z.number().int() }).openapi("CleanupResult");

export type StoreMemory = z.input<typeof StoreMemorySchema>;
export type Memory = z.infer<typeof MemorySchema>;
export type StoreMemoryBatch = z.input<typeof StoreMemoryBatchSchema>;
export type SearchMemory = z.input<typeof SearchMemorySchema>;
export type SearchResult = z.infer<typeof SearchResultSchema>;
export type CleanupMemory = z.input<typeof CleanupMemorySchema>;
export type MemoryFilter = z.infer<typeof FilterSchema>;
