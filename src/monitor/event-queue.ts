import type { SessionOp } from './batch-builder';

/** Taken entries are dropped from the array only in chunks this large, so take() stays O(batch). */
const COMPACT_AFTER = 3 * 65_536;

/**
 * Events waiting for Redis, as flat (op, session id, argument) triples (batch-builder.ts lists
 * them), so a batch is taken without copying into objects first. Order is preserved, which
 * keeps every session's events in order. Taking from the front moves an offset instead of
 * splicing, so draining a million queued events after an outage costs linear time, not quadratic.
 */
export class EventQueue {
  private items: string[] = [];
  /** Index in `items` of the oldest queued entry. */
  private start = 0;
  /** Sequence number of the oldest queued event. */
  private head = 0;

  constructor(private readonly maxEvents: number) {}

  get size(): number {
    return (this.items.length - this.start) / 3;
  }

  /** Calls `visit` with every queued event, oldest first. */
  forEach(visit: (op: string, sessionId: string, userId: string) => void): void {
    for (let i = this.start; i < this.items.length; i += 3) {
      visit(this.items[i], this.items[i + 1], this.items[i + 2]);
    }
  }

  /** Sequence number of the oldest queued event: events are numbered from 0 in queue order. */
  get headSeq(): number {
    return this.head;
  }

  /** False when the queue is full and the event was not taken. */
  push(op: SessionOp, sessionId: string, userId = ''): boolean {
    if (this.size >= this.maxEvents) return false;
    this.items.push(op, sessionId, userId);
    return true;
  }

  /** Removes and returns up to `maxEvents` of the oldest events. */
  take(maxEvents: number): string[] {
    const count = Math.min(maxEvents * 3, this.items.length - this.start);
    let batch: string[];
    if (this.start === 0 && count === this.items.length) {
      batch = this.items;
      this.items = [];
    } else {
      batch = this.items.slice(this.start, this.start + count);
      this.start += count;
      if (this.start === this.items.length) {
        this.items = [];
        this.start = 0;
      } else if (this.start >= COMPACT_AFTER && this.start * 2 >= this.items.length) {
        this.items = this.items.slice(this.start);
        this.start = 0;
      }
    }
    this.head += count / 3;
    return batch;
  }

  /**
   * Replaces every queued event with a snapshot of the instance's whole truth (a resync). The
   * snapshot is bounded by the live sessions, not by the queue limit.
   */
  replaceWith(events: string[]): void {
    this.items = events;
    this.start = 0;
  }

  /** Puts the batch last taken, which could not be sent, back in front, ahead of newer events. */
  putBack(batch: string[]): void {
    this.head -= batch.length / 3;
    if (this.start >= batch.length) {
      // Not compacted since the take: the batch's entries still sit just before `start`.
      this.start -= batch.length;
    } else {
      this.items = batch.concat(this.items.slice(this.start));
      this.start = 0;
    }
  }
}
