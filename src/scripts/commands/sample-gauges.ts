import type { Keys } from '../../keys';
import type { ZonedDay } from '../../time/zoned-calendar';
import type { ScriptRunner } from '../script-runner';
import { statsKeys } from './read-stats';

/** What lua/sampleGauges-101.lua did: wrote, or why not. */
export type SampleOutcome = 'written' | 'held-by-another' | 'too-soon' | 'wrong-day';

const OUTCOMES: Record<number, SampleOutcome> = {
  1: 'written',
  0: 'held-by-another',
  2: 'too-soon',
  3: 'wrong-day',
};

export async function sampleGauges(
  runner: ScriptRunner,
  keys: Keys,
  input: {
    day: ZonedDay;
    exactUnionLimit: number;
    samplerId: string;
    leaseMs: number;
    minSpacingMs: number;
    retentionMs: number;
  },
): Promise<{ outcome: SampleOutcome; nowMs: number }> {
  const reply = (await runner.run(
    'sampleGauges',
    [...statsKeys(keys, input.day.date), keys.gauges(), keys.timeline(), keys.samplerLease()],
    [
      input.exactUnionLimit,
      input.samplerId,
      input.leaseMs,
      input.minSpacingMs,
      input.retentionMs,
      input.day.startMs,
      input.day.endMs,
      input.day.date,
    ],
  )) as [number, number];
  return { outcome: OUTCOMES[reply[0]], nowMs: reply[1] };
}

export async function releaseSampler(
  runner: ScriptRunner,
  keys: Keys,
  samplerId: string,
): Promise<boolean> {
  return (await runner.run('releaseSampler', [keys.samplerLease()], [samplerId])) === 1;
}
