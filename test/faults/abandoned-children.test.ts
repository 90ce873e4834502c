import { spawn } from 'node:child_process';
import { join } from 'node:path';

const FIXTURE = join(__dirname, 'fixtures', 'abandoned-children.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once none of `pids` runs any more, or with those still running after `withinMs`. */
async function survivors(pids: number[], withinMs = 5000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const running = pids.filter(alive);
    if (running.length === 0 || Date.now() > deadline) return running;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A test runner gives up on a worker whose test timed out by killing it (SIGTERM, then SIGKILL),
 * and no 'exit' listener runs then: the redis-servers and other processes it started must go all
 * the same, or they keep running after the test run.
 */
describe('processes a test starts never outlive it', () => {
  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'when the process that started them gets %s',
    async (signal) => {
      const parent = spawn(process.execPath, [FIXTURE], { stdio: ['ignore', 'pipe', 'pipe'] });
      const pids = await new Promise<{ redis: number; sleeper: number }>((resolve, reject) => {
        let out = '';
        parent.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(JSON.parse(out) as { redis: number; sleeper: number });
        });
        parent.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
      });
      const children = [pids.redis, pids.sleeper];
      try {
        expect(children.filter(alive)).toEqual(children);
        parent.kill(signal);
        expect(await survivors(children)).toEqual([]);
      } finally {
        for (const pid of children.filter(alive)) process.kill(pid, 'SIGKILL');
      }
    },
  );
});
