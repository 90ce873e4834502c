import type { Keys } from '../../keys';
import type { ScriptRunner } from '../script-runner';

export async function heartbeat(
  runner: ScriptRunner,
  keys: Keys,
  input: { instanceId: string; incarnation: string; leaseMs: number },
): Promise<{ status: number; nowMs: number }> {
  const reply = (await runner.run(
    'heartbeat',
    [keys.leases(), keys.instance(input.instanceId)],
    [input.instanceId, input.incarnation, input.leaseMs],
  )) as [number, number];
  return { status: reply[0], nowMs: reply[1] };
}
