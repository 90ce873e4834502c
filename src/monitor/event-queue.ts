import type { SessionOp } from '../scripts/commands/apply-events';

/**
 * Events waiting for Redis, as flat (op, session id, user id) triples: the exact ARGV layout of
 * applyEvents, so a batch is sent without copying into objects first. Order is preserved, which
 * keeps every session's events in order.
 */
export class EventQueue {
  private items: string[] = [];
  private head = 0;

  constructor(private readonly maxEvents: number) {}

  get size(): number {
    return this.items.length / 3;
  }

  /** Sequence number of the oldest queued event: events are numbered from 0 in queue order. */
  get headSeq(): number {
    return this.head;
  }

  /** False when the queue is full and the event was not taken. */
  push(op: SessionOp, sessionId: string, userId = ''): boolean {
    if (this.items.length >= this.maxEvents * 3) return false;
    this.items.push(op, sessionId, userId);
    return true;
  }

  /** Removes and returns up to `maxEvents` of the oldest events. */
  take(maxEvents: number): string[] {
    if (this.items.length <= maxEvents * 3) {
      const all = this.items;
      this.items = [];
      this.head += all.length / 3;
      return all;
    }
    this.head += maxEvents;
    return this.items.splice(0, maxEvents * 3);
  }

  /**
   * Replaces every queued event with a snapshot of the instance's whole truth (a resync). The
   * snapshot is bounded by the live sessions, not by the queue limit.
   */
  replaceWith(events: string[]): void {
    this.items = events;
  }

  /** Puts the batch last taken, which could not be sent, back in front, ahead of newer events. */
  putBack(batch: string[]): void {
    this.head -= batch.length / 3;
    this.items = batch.concat(this.items);
  }
}
