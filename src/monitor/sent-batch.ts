import type { ApplyBatchResult } from '../scripts/commands/apply-batch';
import type { ZonedDay } from '../time/zoned-calendar';
import type { BuiltBatch } from './batch-builder';

/** A batch sent, not answered yet. */
export interface SentBatch {
  built: BuiltBatch;
  seq: number;
  events: string[];
  day: ZonedDay;
  call: Promise<ApplyBatchResult>;
  /** Sent while the batch before it was in flight: it holds only if that one applied. */
  ahead: boolean;
}

/** Waits for the answers of batches behind one that did not apply (none of them did either). */
export async function takeBack(inFlight: SentBatch[]): Promise<SentBatch[]> {
  const sent = inFlight.splice(0);
  for (const { call } of sent) await call;
  return sent;
}

/** What the batches in flight leave of the sessions they touch, oldest first (SessionMirror). */
export function aftersOf(inFlight: readonly SentBatch[]): Array<BuiltBatch['after']> {
  return inFlight.map((sent) => sent.built.after);
}

/** A batch of events that change nothing in Redis (applyBatch would only record its numbers). */
export function changesNothing({ payload, midnight, transitionSessions }: BuiltBatch): boolean {
  return (
    !midnight &&
    transitionSessions.length === 0 &&
    payload.userChanges.length === 0 &&
    payload.activeUsers.length === 0 &&
    payload.pairs.length === 0 &&
    payload.logFields.length === 0 &&
    payload.opened + payload.logins + payload.closed === 0 &&
    payload.sessionsDelta === 0 &&
    payload.anonymousDelta === 0
  );
}
