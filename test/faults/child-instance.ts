import type { ChildProcess } from 'node:child_process';
import { spawnFixture } from './spawn-fixture';

/** A SessionMonitor in its own process (built dist), ready once its sessions are in Redis. */
export interface ChildInstance {
  process: ChildProcess;
  incarnation: string;
  kill(): Promise<void>;
}

export async function startChildInstance(env: {
  REDIS_URL: string;
  NAMESPACE: string;
  INSTANCE_ID: string;
  SESSIONS: number;
  USERS: number;
  HEARTBEAT_MS: number;
  LEASE_MS: number;
}): Promise<ChildInstance> {
  const child = await spawnFixture('monitor-child.js', env);
  return { process: child.process, incarnation: child.ready, kill: child.kill };
}
