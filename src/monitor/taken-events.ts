/**
 * The events the drain loop took from the queue and Redis has not confirmed yet, in queue order:
 * the batches in flight, the first one and those the writer sends behind it. Kept as the batches
 * taken, so that taking more and dropping what Redis confirmed cost the events moved, not the
 * events held.
 */
export class TakenEvents {
  private batches: string[][] = [];
  /** Sequence number of the first event held. */
  private headSeq = 0;
  /** Entries of the first batch already confirmed. */
  private confirmedOfFirst = 0;

  get empty(): boolean {
    return this.batches.length === 0;
  }

  /** `batch` was taken; its first event is numbered `firstSeq` (on from the ones held, if any). */
  add(batch: string[], firstSeq: number): void {
    if (batch.length === 0) return;
    if (this.batches.length === 0) this.headSeq = firstSeq;
    this.batches.push(batch);
  }

  /**
   * Redis took every event numbered below `seq`: also those a writer skipped as confirmed by an
   * earlier call (a batch sent again), which no part reports.
   */
  confirmBelow(seq: number): void {
    let entries = (seq - this.headSeq) * 3;
    while (entries > 0 && this.batches.length > 0) {
      const first = this.batches[0];
      const take = Math.min(entries, first.length - this.confirmedOfFirst);
      this.confirmedOfFirst += take;
      entries -= take;
      this.headSeq += take / 3;
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
