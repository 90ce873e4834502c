import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { killWithThisProcess } from '../../src/process/kill-with-this-process';

const FIXTURE = join(__dirname, 'fixtures', 'monitor-child.js');

/** A SessionMonitor in its own process (built dist), ready once its sessions are in Redis. */
export interface ChildInstance {
  process: ChildProcess;
  incarnation: string;
  kill(): Promise<void>;
}

export function startChildInstance(env: {
  REDIS_URL: string;
  NAMESPACE: string;
  INSTANCE_ID: string;
  SESSIONS: number;
  USERS: number;
  HEARTBEAT_MS: number;
  LEASE_MS: number;
}): Promise<ChildInstance> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killWithThisProcess(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = /ready (\S+)\n/.exec(stdout);
      if (ready) {
        resolve({
          process: child,
          incarnation: ready[1],
          kill: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGKILL');
            }),
        });
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`child exited with ${code} before ready: ${stderr}`)),
    );
  });
}
