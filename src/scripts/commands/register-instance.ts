import type { Keys } from '../../keys';
import type { ScriptRunner } from '../script-runner';

export interface RegisterInstanceResult {
  nowMs: number;
  /** The incarnation this one replaces, or "" when the id was free. */
  previousIncarnation: string;
  previousHeartbeatMs: number;
}

export async function registerInstance(
  runner: ScriptRunner,
  keys: Keys,
  input: {
    instanceId: string;
    incarnation: string;
    leaseMs: number;
    host: string;
    pid: number;
    /** IANA zone of the instance's days, kept in its instance hash for readers to compare. */
    timezone?: string;
  },
): Promise<RegisterInstanceResult> {
  const reply = (await runner.run(
    'registerInstance',
    [keys.leases(), keys.instance(input.instanceId)],
    [
      input.instanceId,
      input.incarnation,
      input.leaseMs,
      input.host,
      input.pid,
      input.timezone ?? '',
    ],
  )) as [number, string, number];
  return { nowMs: reply[0], previousIncarnation: reply[1], previousHeartbeatMs: reply[2] };
}
