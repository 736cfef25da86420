import { Segment, type ResidentEntry } from "./segment";

interface Location {
  segment: Segment;
  position: number;
}

/**
 * The shard's in-memory copy of its vectors, one Segment per namespace, with where each id lives. It is
 * loaded from SQLite on the first query after the object starts and then kept in step with every write.
 */
export class ResidentIndex {
  private readonly segments = new Map<string | null, Segment>();
  private readonly locations = new Map<string, Location>();

  constructor(readonly dimensions: number) {}

  get size(): number {
    return this.locations.size;
  }

  /** Inserts or replaces by id; a vector that changes namespace moves to that namespace's segment. */
  put(namespace: string | null, entry: ResidentEntry): void {
    const at = this.locations.get(entry.id);
    if (at && at.segment.namespace === namespace) {
      at.segment.write(at.position, entry);
      return;
    }
    if (at) this.remove(entry.id);
    let segment = this.segments.get(namespace);
    if (!segment) {
      segment = new Segment(namespace, this.dimensions);
      this.segments.set(namespace, segment);
    }
    this.locations.set(entry.id, { segment, position: segment.append(entry) });
  }

  remove(id: string): boolean {
    const at = this.locations.get(id);
    if (!at) return false;
    this.locations.delete(id);
    const moved = at.segment.removeAt(at.position);
    if (moved !== undefined) this.locations.get(moved)!.position = at.position;
    if (at.segment.size === 0) this.segments.delete(at.segment.namespace);
    return true;
  }

  /** The segments a query searches: one namespace's, or all of them when the query names none. */
  segmentsFor(namespace: string | undefined): Segment[] {
    if (namespace === undefined) return [...this.segments.values()];
    const segment = this.segments.get(namespace);
    return segment ? [segment] : [];
  }

  get namespaceCount(): number {
    return this.segments.size;
  }

  get typedBytes(): number {
    let bytes = 0;
    for (const segment of this.segments.values()) bytes += segment.typedBytes;
    return bytes;
  }
}
