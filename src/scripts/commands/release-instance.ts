import type { Keys } from '../../keys';
import type { ScriptRunner } from '../script-runner';

/** 1 released, 0 owned by another incarnation, ScriptStatus.SESSIONS_OPEN if sessions remain. */
export async function releaseInstance(
  runner: ScriptRunner,
  keys: Keys,
  input: { instanceId: string; incarnation: string },
): Promise<number> {
  return (await runner.run(
    'releaseInstance',
    [
      keys.leases(),
      keys.instance(input.instanceId),
      keys.instanceSessions(input.instanceId, input.incarnation),
    ],
    [input.instanceId, input.incarnation],
  )) as number;
}
