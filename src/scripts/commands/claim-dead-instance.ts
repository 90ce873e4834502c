import type { Keys } from '../../keys';
import type { ScriptRunner } from '../script-runner';

/** The incarnation taken over, or undefined when the instance renewed its lease meanwhile. */
export async function claimDeadInstance(
  runner: ScriptRunner,
  keys: Keys,
  input: { instanceId: string },
): Promise<{ incarnation: string; heartbeatMs: number } | undefined> {
  const reply = (await runner.run(
    'claimDeadInstance',
    [keys.leases(), keys.instance(input.instanceId), keys.reaping()],
    [input.instanceId],
  )) as [number, string?, number?];
  if (reply[0] !== 1) return undefined;
  return { incarnation: reply[1] ?? '', heartbeatMs: reply[2] ?? 0 };
}
