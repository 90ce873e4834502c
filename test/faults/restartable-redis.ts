import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killWithThisProcess } from '../../src/process/kill-with-this-process';
import { freePort, waitForPing } from '../support/redis-server';

/**
 * A redis-server that a test can kill and start again on the same port and data directory, so
 * clients reconnect to "the same" Redis: with its data (appendonly) or without (no persistence).
 */
export class RestartableRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** `persistence: 'aof'` keeps every acknowledged write across a kill (appendfsync always). */
  static async start(persistence: 'aof' | 'none'): Promise<RestartableRedis> {
    const dir = mkdtempSync(join(tmpdir(), 'sau-outage-'));
    const args = [
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      ...(persistence === 'aof'
        ? ['--appendonly', 'yes', '--appendfsync', 'always']
        : ['--appendonly', 'no']),
    ];
    for (let attempt = 0; ; attempt++) {
      const redis = new RestartableRedis(await freePort(), dir, args);
      try {
        await redis.restart();
        return redis;
      } catch (err) {
        // Another process took the port between probe and bind.
        if (attempt >= 3) {
          rmSync(dir, { recursive: true, force: true });
          throw err;
        }
      }
    }
  }

  /** Starts the server again with the same port, directory and arguments; resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is running already');
    const child = spawn('redis-server', ['--port', String(this.port), ...this.args], {
      stdio: 'ignore',
    });
    killWithThisProcess(child);
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    try {
      await waitForPing(`redis://127.0.0.1:${this.port}`, child);
    } catch (err) {
      await this.kill('SIGKILL');
      throw err;
    }
  }

  /** Kills the server and resolves once the process is gone (its port is free again). */
  kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.child = undefined;
        return resolve();
      }
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** Kills the server for good and removes its data directory. */
  async destroy(): Promise<void> {
    await this.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
