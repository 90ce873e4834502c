import type { Keys } from '../../keys';
import type { ScriptRunner } from '../script-runner';
import { reapingField } from '../../session/reaping-field';

/** True once the incarnation had no session left and was forgotten. */
export async function finishReap(
  runner: ScriptRunner,
  keys: Keys,
  input: { instanceId: string; incarnation: string },
): Promise<boolean> {
  const reply = await runner.run(
    'finishReap',
    [keys.reaping(), keys.instanceSessions(input.instanceId, input.incarnation)],
    [reapingField(input.instanceId, input.incarnation)],
  );
  return reply === 1;
}
