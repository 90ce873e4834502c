/**
 * The events the drain loop took from the queue and Redis has not confirmed yet, in queue order:
 * the batch in flight and the one the writer sends behind it. Kept as the batches taken, so that
 * taking more and dropping what Redis confirmed cost the events moved, not the events held.
 */
export class TakenEvents {
  private batches: string[][] = [];
  /** Entries of the first batch already confirmed. */
  private confirmedOfFirst = 0;

  get empty(): boolean {
    return this.batches.length === 0;
  }

  add(batch: string[]): void {
    if (batch.length > 0) this.batches.push(batch);
  }

  /** Redis took the oldest `entries` (three per event). */
  confirm(entries: number): void {
    let left = entries;
    while (left > 0 && this.batches.length > 0) {
      const first = this.batches[0];
      const take = Math.min(left, first.length - this.confirmedOfFirst);
      this.confirmedOfFirst += take;
      left -= take;
      if (this.confirmedOfFirst === first.length) {
        this.batches.shift();
        this.confirmedOfFirst = 0;
      }
    }
  }

  /** All of them, oldest first, as one flat array of triples. */
  events(): string[] {
    if (this.batches.length === 0) return [];
    const [first, ...later] = this.batches;
    return first.slice(this.confirmedOfFirst).concat(...later);
  }

  clear(): void {
    this.batches = [];
    this.confirmedOfFirst = 0;
  }
}
