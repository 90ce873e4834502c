import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let built: { library: string } | { reason: string } | undefined;

/**
 * The shift (ms) this process runs under: scripts/test-at.js moves the whole suite's clock with the
 * same shim, and a child given a shift of its own must add it, since the shim moves the real clock.
 */
function outerShiftMs(): number {
  return process.env.LD_PRELOAD?.includes('clock-shift')
    ? Number(process.env.SAU_CLOCK_SHIFT_MS ?? 0)
    : 0;
}

/**
 * Builds the clock-shift LD_PRELOAD shim once per test file. Gives the environment that starts a
 * redis-server whose clock reads `targetMs` now (by this process's clock, itself perhaps moved by
 * scripts/test-at.js), or the reason it cannot (no C compiler, REDIS_URL).
 */
export function shiftedClockEnv(targetMs: number): NodeJS.ProcessEnv | { reason: string } {
  if (process.env.REDIS_URL) return { reason: 'REDIS_URL is set: its clock cannot be moved' };
  if (!built) {
    const library = join(mkdtempSync(join(tmpdir(), 'sau-clock-')), 'clock-shift.so');
    const result = spawnSync(
      'cc',
      ['-shared', '-fPIC', '-O2', '-o', library, join(__dirname, 'clock-shift.c')],
      { encoding: 'utf8' },
    );
    built =
      result.status === 0
        ? { library }
        : { reason: `cannot build the clock shim: ${result.error?.message ?? result.stderr}` };
  }
  if ('reason' in built) return built;
  return {
    LD_PRELOAD: built.library,
    SAU_CLOCK_SHIFT_MS: String(Math.round(targetMs - Date.now() + outerShiftMs())),
  };
}
