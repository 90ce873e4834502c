import { spawnSync } from 'node:child_process';
import { runningTime } from '../support/running-time';

describe('runningTime (test support)', () => {
  it('counts the time another party keeps this process waiting', async () => {
    const { ms, stalledMs } = await runningTime(
      () => new Promise((resolve) => setTimeout(resolve, 300)),
    );
    // A loaded machine may hold this process a little too, and that is taken off.
    expect(stalledMs).toBeLessThan(150);
    expect(ms).toBeGreaterThanOrEqual(290 - stalledMs);
  });

  it('leaves out the time this process was not running', async () => {
    // The event loop held for 600 ms, as a stopped VM would hold it.
    const { ms, stalledMs } = await runningTime(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      spawnSync('sleep', ['0.6']);
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    expect(stalledMs).toBeGreaterThanOrEqual(550);
    expect(ms).toBeLessThan(400);
  });
});
