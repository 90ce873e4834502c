import type { Keys } from '../../src/keys';
import type { ScriptRunner } from '../../src/scripts/script-runner';
import type { ClosedLogLimits } from '../../src/scripts/closed-log-limits';
import { BatchWriter } from '../../src/monitor/batch-writer';
import type { PeriodExpiry } from '../../src/time/retention';
import { ZonedCalendar, type ZonedDay } from '../../src/time/zoned-calendar';

/** One call as the script tests make it: raw events of one incarnation, on one proposed day. */
export interface EventsInput {
  instanceId: string;
  incarnation: string;
  day: ZonedDay;
  /** Retention is what counts; the expiry given is ignored (the writer computes it from the day). */
  expiry?: PeriodExpiry;
  exactThreshold: number;
  events: string[];
  /** Sequence number of the first event; default: right after the events sent before. */
  firstSeq?: number;
  breakdownCap?: number;
  closedLog?: ClosedLogLimits;
  retentionDays?: number;
}

/** One writer per incarnation of a namespace, kept for the test's life. */
const writers = new WeakMap<Keys, Map<string, BatchWriter>>();

/**
 * Sends raw session events (batch-builder.ts lists them) the way a monitor does, through one
 * BatchWriter per incarnation and namespace, so script tests drive the real write path without a
 * monitor. A batch proposed for a day Redis is not on answers WRONG_DAY, as the script does.
 */
export function writeEvents(runner: ScriptRunner, keys: Keys, input: EventsInput) {
  let byIncarnation = writers.get(keys);
  if (!byIncarnation) {
    byIncarnation = new Map();
    writers.set(keys, byIncarnation);
  }
  const id = `${input.instanceId}\0${input.incarnation}`;
  let writer = byIncarnation.get(id);
  if (!writer) {
    // No calendar is consulted: with dayRetries 0 a wrong day is answered, not retried.
    writer = new BatchWriter(runner, keys, new ZonedCalendar('UTC'), {
      instanceId: input.instanceId,
      incarnation: input.incarnation,
      exactThreshold: input.exactThreshold,
      retentionDays: input.retentionDays ?? 400,
      dayRetries: 0,
    });
    byIncarnation.set(id, writer);
  }
  writer.options.exactThreshold = input.exactThreshold;
  writer.options.breakdownCap = input.breakdownCap;
  writer.options.closedLog = input.closedLog;
  return writer.write(input.events, input.firstSeq ?? writer.mirror.nextSeq, input.day);
}
