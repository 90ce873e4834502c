import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { killWithThisProcess } from '../../src/process/kill-with-this-process';

/** A fixture process (test/faults/fixtures, built dist), started and ready. */
export interface FixtureProcess {
  process: ChildProcess;
  /** What follows "ready" on the line the fixture printed when it was ready. */
  ready: string;
  /** SIGKILL: no handler runs, nothing is flushed; resolves once it exited. */
  kill(): Promise<void>;
}

/**
 * Starts `test/faults/fixtures/<name>` with `env` added to this process's environment, and
 * resolves once it printed `ready[ <words>]`; rejects with its stderr if it exits before. `ipc`
 * opens the channel of `process.send` / `child.send`.
 */
export function spawnFixture(
  name: string,
  env: Record<string, string | number>,
  options: { ipc?: boolean } = {},
): Promise<FixtureProcess> {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', name)], {
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  killWithThisProcess(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString();
      const ready = /^ready ?(.*)\n/m.exec(stdout);
      if (!ready) return;
      child.stdout?.off('data', onData);
      resolve({
        process: child,
        ready: ready[1],
        kill: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${name} exited with ${code} before ready: ${stderr}`)),
    );
  });
}
