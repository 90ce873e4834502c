// Option checks that need no Redis: delays a Node timer cannot keep are refused by name, where
// Node would fire them after 1 ms (a stop that gives up at once, a resync a millisecond).
import { Registry } from 'prom-client';
import { ConfigError } from '../../src/errors/config-error';
import { MAX_TIMER_MS } from '../../src/config/timer-delay';
import { registerSauMetrics } from '../../src/metrics/register-sau-metrics';
import { resolveMonitorOptions } from '../../src/monitor/monitor-options';

describe('delays longer than a Node timer keeps', () => {
  it.each([
    'heartbeatIntervalMs',
    'stopTimeoutMs',
    'startTimeoutMs',
    'resyncIntervalMs',
    'gaugeIntervalMs',
  ] as const)('%s above 2^31 - 1 ms is refused, up to it taken', (name) => {
    // A lease long enough for the longest heartbeat, so only the delay itself is judged.
    const base = { leaseMs: 2 * MAX_TIMER_MS };
    expect(() => resolveMonitorOptions({ ...base, [name]: MAX_TIMER_MS + 1 })).toThrow(
      new ConfigError(
        `${name} must be at most 2147483647 ms (about 24.8 days, the longest a Node timer waits), got 2147483648`,
      ),
    );
    expect(() => resolveMonitorOptions({ ...base, [name]: Number.MAX_SAFE_INTEGER })).toThrow(
      new RegExp(`^${name} must be at most 2147483647 ms`),
    );
    expect(resolveMonitorOptions({ ...base, [name]: MAX_TIMER_MS })[name]).toBe(MAX_TIMER_MS);
  });

  it("registerSauMetrics' timeoutMs likewise", () => {
    expect(() =>
      registerSauMetrics(new Registry(), {
        namespace: 'x',
        readGauges: () => Promise.resolve(null),
        timeoutMs: 2 ** 40,
      }),
    ).toThrow(/^timeoutMs must be at most 2147483647 ms/);
  });
});

describe('a logger', () => {
  it('must have a warn method, or problems nobody listens to would go nowhere', () => {
    for (const logger of [{}, 5, { warn: 'loud' }]) {
      expect(() =>
        resolveMonitorOptions({ logger: logger as unknown as Pick<Console, 'warn'> }),
      ).toThrow(new ConfigError('logger must have a warn(message) method, as console does'));
    }
    const warn = (): void => undefined;
    expect(resolveMonitorOptions({ logger: { warn } }).logger.warn).toBe(warn);
  });
});
