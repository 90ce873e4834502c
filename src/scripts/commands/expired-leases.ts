import type { Keys } from '../../keys';
import { parseReapingField } from '../../session/reaping-field';
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

/** An incarnation whose sessions are being closed. */
export interface DeadIncarnation {
  instanceId: string;
  incarnation: string;
  /** Its last heartbeat (ms, Redis clock): the instant its sessions are closed at. */
  heartbeatMs: number;
}

/** Most lapsed leases one look lists (and one reap pass claims); the next takes the rest. */
export const LAPSED_PER_LOOK = 100;

/** Lapsed leases not yet claimed, and incarnations claimed but not finished. Writes nothing. */
export async function deadInstances(
  runner: ScriptRunner,
  keys: Keys,
): Promise<{ lapsed: string[]; reaping: DeadIncarnation[] }> {
  const found = await expiredLeases(runner, keys, { limit: LAPSED_PER_LOOK });
  return {
    lapsed: found.instanceIds,
    reaping: found.reaping > 0 ? await reapingIncarnations(runner, keys) : [],
  };
}

/** Every incarnation in the reaping hash, with its last heartbeat. */
export async function reapingIncarnations(
  runner: ScriptRunner,
  keys: Keys,
): Promise<DeadIncarnation[]> {
  const entries = await runner.client.hgetall(keys.reaping());
  return Object.entries(entries).map(([field, heartbeat]) => ({
    ...parseReapingField(field),
    heartbeatMs: Number(heartbeat),
  }));
}
