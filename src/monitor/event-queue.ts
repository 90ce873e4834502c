import type { SessionOp } from './batch-builder';

/**
 * Entries (three an event) a chunk takes before the next one starts. Pushing onto one array that a
 * burst grows to tens of thousands of events cost about 250 ns an event in V8, pushing into chunks
 * of this size about 25 (90,000 events queued, then taken 128 at a time).
 */
const CHUNK_ENTRIES = 3 * 1024;

/**
 * Events waiting for Redis, as flat (op, session id, argument) triples (batch-builder.ts lists
 * them), so a batch is taken without copying into objects first. Order is preserved, which
 * keeps every session's events in order. The triples sit in chunks of bounded size: pushing never
 * copies what is queued, and taking a batch copies only the batch, so draining a million queued
 * events after an outage costs linear time.
 */
export class EventQueue {
  /** Oldest first; only the last one grows. Never empty. */
  private chunks: string[][] = [[]];
  /** Index in the first chunk of the oldest queued entry. */
  private start = 0;
  /** Entries queued, over every chunk. */
  private entries = 0;
  /** Sequence number of the oldest queued event. */
  private head = 0;

  constructor(private readonly maxEvents: number) {}

  get size(): number {
    return this.entries / 3;
  }

  /** Calls `visit` with every queued event, oldest first. */
  forEach(visit: (op: string, sessionId: string, userId: string) => void): void {
    for (const [index, chunk] of this.chunks.entries()) {
      for (let i = index === 0 ? this.start : 0; i < chunk.length; i += 3) {
        visit(chunk[i], chunk[i + 1], chunk[i + 2]);
      }
    }
  }

  /** Sequence number of the oldest queued event: events are numbered from 0 in queue order. */
  get headSeq(): number {
    return this.head;
  }

  /** False when the queue is full and the event was not taken. */
  push(op: SessionOp, sessionId: string, userId = ''): boolean {
    if (this.entries >= this.maxEvents * 3) return false;
    let last = this.chunks[this.chunks.length - 1];
    if (last.length >= CHUNK_ENTRIES) {
      last = [];
      this.chunks.push(last);
    }
    last.push(op, sessionId, userId);
    this.entries += 3;
    return true;
  }

  /** Removes and returns up to `maxEvents` of the oldest events. */
  take(maxEvents: number): string[] {
    const count = Math.min(maxEvents * 3, this.entries);
    const first = this.chunks[0];
    let batch: string[];
    if (this.start === 0 && count === first.length) {
      // A whole chunk: handed out as it is.
      batch = first;
      this.dropFirstChunk();
    } else if (this.start + count <= first.length) {
      batch = first.slice(this.start, this.start + count);
      this.start += count;
      if (this.start === first.length) this.dropFirstChunk();
    } else {
      batch = new Array<string>(count);
      for (let at = 0; at < count;) {
        const chunk = this.chunks[0];
        const n = Math.min(count - at, chunk.length - this.start);
        for (let i = 0; i < n; i++) batch[at + i] = chunk[this.start + i];
        at += n;
        this.start += n;
        if (this.start === chunk.length) this.dropFirstChunk();
      }
    }
    this.entries -= count;
    this.head += count / 3;
    return batch;
  }

  /**
   * Replaces every queued event with a snapshot of the instance's whole truth (a resync). The
   * snapshot is bounded by the live sessions, not by the queue limit.
   */
  replaceWith(events: string[]): void {
    this.chunks = [events];
    this.start = 0;
    this.entries = events.length;
  }

  /** Puts the batch last taken, which could not be sent, back in front, ahead of newer events. */
  putBack(batch: string[]): void {
    if (batch.length === 0) return;
    if (this.start > 0) this.chunks[0] = this.chunks[0].slice(this.start);
    this.chunks.unshift(batch);
    this.start = 0;
    this.entries += batch.length;
    this.head -= batch.length / 3;
  }

  /** The first chunk is consumed: the next one starts, or an empty one when it was the last. */
  private dropFirstChunk(): void {
    if (this.chunks.length > 1) this.chunks.shift();
    else this.chunks[0] = [];
    this.start = 0;
  }
}
