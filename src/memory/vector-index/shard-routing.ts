/**
 * How many VectorShard objects the local index spreads its vectors over. Two keep each under ~40 MB at 100k
 * memories; more would not search faster locally, where every object of a Worker shares one thread, and
 * each adds a call. Fixed: changing it strands every stored vector.
 */
export const LOCAL_VECTOR_SHARDS = 2;

/** The shard an id lives in: FNV-1a of the id, so any caller finds it without asking a directory. */
export function shardOf(id: string, shardCount: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shardCount;
}

/** Splits items by the shard their id routes to. */
export function groupByShard<T>(items: readonly T[], idOf: (item: T) => string, shardCount: number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const shard = shardOf(idOf(item), shardCount);
    const group = groups.get(shard);
    if (group) group.push(item);
    else groups.set(shard, [item]);
  }
  return groups;
}
