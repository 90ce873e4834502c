import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { killWithThisProcess } from '../../src/process/kill-with-this-process';
import { linesOf } from '../support/child-lines';
import { uniqueNamespace } from '../support/redis-server';
import {
  expectCallsNeverWaited,
  OUTAGE_CODES,
  report,
  useRedisOutage,
} from '../support/redis-outage-harness';

// stop() in a child process whose Redis was just killed: it must give up after stopTimeoutMs
// without blocking or spinning the process's event loop.

jest.setTimeout(60_000);

const STOP_FIXTURE = join(__dirname, 'fixtures', 'stop-while-down.js');

describe('Redis outages: stop() while Redis is down', () => {
  const { start } = useRedisOutage();

  it('stop() while Redis is down resolves within stopTimeoutMs and leaves the process responsive', async () => {
    const redis = await start('none');
    const STOP_TIMEOUT_MS = 1500;
    const WATCH_MS = 3000;
    const child = spawn(process.execPath, [STOP_FIXTURE], {
      env: {
        ...process.env,
        REDIS_PORT: String(redis.port),
        NAMESPACE: uniqueNamespace('stop'),
        STOP_TIMEOUT_MS: String(STOP_TIMEOUT_MS),
        WATCH_MS: String(WATCH_MS),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    killWithThisProcess(child);
    try {
      const lines = linesOf(child);
      expect(await lines.next(10_000)).toBe('ready');
      await redis.kill('SIGKILL');
      child.stdin?.write('stop\n');
      // A monitor that blocked or spun the child's event loop never gets to print its result.
      const result = JSON.parse(await lines.next(STOP_TIMEOUT_MS + WATCH_MS + 10_000)) as {
        stops: Array<{
          label: string;
          stopMs: number;
          threw: string | null;
          errors: Array<{ code: string; sauError: boolean }>;
        }>;
        callMs: number[];
        longestGapMs: number;
        flushAfterStop: string;
      };
      for (const stop of result.stops) {
        report(`stop (${stop.label}): resolved after ${stop.stopMs} ms`);
        expect(stop.threw).toBeNull();
        expect(stop.stopMs).toBeGreaterThanOrEqual(STOP_TIMEOUT_MS - 50);
        expect(stop.stopMs).toBeLessThan(STOP_TIMEOUT_MS + 500);
        expect(stop.errors.map((e) => e.code)).toContain('STOP_INCOMPLETE');
        for (const err of stop.errors) {
          expect(err.sauError).toBe(true);
          expect([...OUTAGE_CODES, 'STOP_INCOMPLETE']).toContain(err.code);
        }
      }
      expectCallsNeverWaited('stop while down', result.callMs);
      report(`stop: longest timer gap after stop ${result.longestGapMs} ms`);
      // A drain loop that spun once stopped would starve every timer of the process for good.
      expect(result.longestGapMs).toBeLessThan(2000);
      // Events left queued stay unflushable instead of being waited for forever.
      expect(result.flushAfterStop).toBe('NOT_STARTED');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
