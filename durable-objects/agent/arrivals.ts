/**
 * Long polls waiting inside the object for an item to arrive. A poll that finds nothing parks here
 * until a delivery wakes it or its time runs out; there is no polling loop. The object keeps running
 * other calls (deliveries among them) while a poll waits, because waiting is not storage I/O.
 */
export class Arrivals {
  private readonly waiting = new Set<() => void>();

  /** Resolves on the next `wakeAll`, or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiting.add(done);
    });
  }

  wakeAll(): void {
    for (const done of [...this.waiting]) done();
  }

  get size(): number {
    return this.waiting.size;
  }
}
