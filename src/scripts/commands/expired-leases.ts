import type { Keys } from '../../keys';
import type { ScriptRunner } from '../script-runner';

export async function expiredLeases(
  runner: ScriptRunner,
  keys: Keys,
  input: { limit: number },
): Promise<{ nowMs: number; reaping: number; instanceIds: string[] }> {
  const reply = (await runner.run(
    'expiredLeases',
    [keys.leases(), keys.reaping()],
    [input.limit],
  )) as [number, number, ...string[]];
  const [nowMs, reaping, ...instanceIds] = reply;
  return { nowMs, reaping, instanceIds };
}
