import type { Keys } from '../../keys';
import type { ScriptRunner } from '../script-runner';

/**
 * Takes or renews the lease of reporting a remote instance's sessions for `leaseMs`; true when
 * `holder` has it. `leaseMs` 0 gives a held lease up, so another process can take it at its next
 * try instead of a lease later.
 */
export async function claimReporter(
  runner: ScriptRunner,
  keys: Keys,
  input: { instanceId: string; holder: string; leaseMs: number },
): Promise<boolean> {
  const reply = await runner.run(
    'claimReporter',
    [keys.reporterLease(input.instanceId)],
    [input.holder, input.leaseMs],
  );
  return reply === 1;
}
