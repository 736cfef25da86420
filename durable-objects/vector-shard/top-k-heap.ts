/** Keeps the `capacity` highest-scoring items seen, in a binary min-heap over two typed arrays. */
export class TopKHeap {
  private readonly scores: Float64Array;
  private readonly items: Int32Array;
  private size = 0;

  constructor(readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.items = new Int32Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** The lowest score kept once full (an item must beat it to enter); -Infinity before. */
  get threshold(): number {
    return this.size < this.capacity ? -Infinity : this.scores[0]!;
  }

  offer(score: number, item: number): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      this.siftUp(this.size++, score, item);
    } else if (score > this.scores[0]!) {
      this.siftDown(0, score, item);
    }
  }

  /** The kept items, best first; empties the heap. */
  drain(): Array<{ item: number; score: number }> {
    const out: Array<{ item: number; score: number }> = [];
    for (let i = 0; i < this.size; i++) out.push({ item: this.items[i]!, score: this.scores[i]! });
    this.size = 0;
    return out.sort((a, b) => b.score - a.score);
  }

  private siftUp(index: number, score: number, item: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.scores[parent]! <= score) break;
      this.scores[i] = this.scores[parent]!;
      this.items[i] = this.items[parent]!;
      i = parent;
    }
    this.scores[i] = score;
    this.items[i] = item;
  }

  private siftDown(index: number, score: number, item: number): void {
    let i = index;
    const half = this.size >> 1;
    while (i < half) {
      let child = 2 * i + 1;
      const right = child + 1;
      if (right < this.size && this.scores[right]! < this.scores[child]!) child = right;
      if (this.scores[child]! >= score) break;
      this.scores[i] = this.scores[child]!;
      this.items[i] = this.items[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.items[i] = item;
  }
}
