import type { VectorMetadata } from "../../src/memory/vector-index/vector-index";

/** What the shard keeps in memory per vector: enough to scan and filter, never the float32 values. */
export interface ResidentEntry {
  /** The row's key in SQLite, to fetch the exact vector for re-scoring. */
  slot: number;
  id: string;
  codes: Int8Array;
  scale: number;
  errorBound: number;
  /** Parsed once on load or write, so a filtered query compares values instead of parsing JSON. */
  metadata: VectorMetadata | undefined;
}

const INITIAL_CAPACITY = 64;

/**
 * The resident vectors of one namespace, packed into growable typed arrays so a scan walks contiguous
 * memory. Positions are dense: removing moves the last entry into the hole.
 */
export class Segment {
  size = 0;
  ids: string[] = [];
  metadata: Array<VectorMetadata | undefined> = [];
  slots = new Float64Array(INITIAL_CAPACITY);
  scales = new Float64Array(INITIAL_CAPACITY);
  errorBounds = new Float64Array(INITIAL_CAPACITY);
  codes: Int8Array;

  constructor(
    readonly namespace: string | null,
    readonly dimensions: number,
  ) {
    this.codes = new Int8Array(INITIAL_CAPACITY * dimensions);
  }

  /** Adds an entry and returns its position. */
  append(entry: ResidentEntry): number {
    if (this.size === this.slots.length) this.grow();
    const position = this.size++;
    this.write(position, entry);
    return position;
  }

  write(position: number, entry: ResidentEntry): void {
    this.ids[position] = entry.id;
    this.metadata[position] = entry.metadata;
    this.slots[position] = entry.slot;
    this.scales[position] = entry.scale;
    this.errorBounds[position] = entry.errorBound;
    this.codes.set(entry.codes, position * this.dimensions);
  }

  /** Removes the entry at `position` by moving the last entry into it; returns the moved entry's id, if any. */
  removeAt(position: number): string | undefined {
    const last = --this.size;
    let moved: string | undefined;
    if (position !== last) {
      moved = this.ids[last]!;
      this.ids[position] = moved;
      this.metadata[position] = this.metadata[last];
      this.slots[position] = this.slots[last]!;
      this.scales[position] = this.scales[last]!;
      this.errorBounds[position] = this.errorBounds[last]!;
      this.codes.copyWithin(position * this.dimensions, last * this.dimensions, (last + 1) * this.dimensions);
    }
    this.ids.length = last;
    this.metadata.length = last;
    return moved;
  }

  /** Bytes held by the typed arrays (ids and metadata objects come on top). */
  get typedBytes(): number {
    return this.codes.byteLength + this.slots.byteLength + this.scales.byteLength + this.errorBounds.byteLength;
  }

  private grow(): void {
    const capacity = this.slots.length * 2;
    this.slots = resize(this.slots, new Float64Array(capacity));
    this.scales = resize(this.scales, new Float64Array(capacity));
    this.errorBounds = resize(this.errorBounds, new Float64Array(capacity));
    this.codes = resize(this.codes, new Int8Array(capacity * this.dimensions));
  }
}

function resize<T extends Float64Array | Int8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
