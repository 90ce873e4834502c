import { Readable } from 'node:stream';
import { importRocketChatSessions } from '../../src/import/import-sessions';
import type { SessionMonitor } from '../../src/monitor/session-monitor';
import { redisNowMs, useMonitors } from './monitor-harness';
import { uniqueNamespace } from './redis-server';
import { useRedis } from './use-redis';

/**
 * What the Prometheus metrics files (test/integration/metrics-prometheus-scrape,
 * -unreadable-redis, -redis-exporter-script) share: each file's own redis-server, a monitor
 * harness on it, a logger that keeps every warning of the current test, and the two sampled
 * namespaces whose gauges every one of those tests reads. Call at the top of the file's describe
 * block.
 */
export function useMetricsHarness() {
  const redis = useRedis();
  const monitors = useMonitors(() => redis.server().url);
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) };

  beforeEach(() => {
    warnings.length = 0;
  });

  /**
   * Two sampled namespaces. `chat`: users of 3 and 20 days ago (imported, so that DAU, WAU and
   * rolling 30 days differ), u1 in two tabs, u2, one anonymous session, and u4 who left again (so
   * that today's peak, 3, is above SAU, 2). `support`: u3 alone.
   */
  async function twoSampledNamespaces(): Promise<{
    chat: string;
    support: string;
    monitors: SessionMonitor[];
  }> {
    const chat = uniqueNamespace('metrics-chat');
    const support = uniqueNamespace('metrics-support');
    const nowMs = await redisNowMs(redis.client());
    const history = [
      ['h1', 'old3', 3],
      ['h2', 'old20', 20],
    ].map(([sessionId, userId, days]) => {
      const loginAt = new Date(nowMs - Number(days) * 86_400_000);
      const closedAt = new Date(loginAt.getTime() + 600_000);
      return `${JSON.stringify({
        type: 'session',
        sessionId,
        userId,
        loginAt: { $date: loginAt.toISOString() },
        closedAt: { $date: closedAt.toISOString() },
      })}\n`;
    });
    await importRocketChatSessions(Readable.from(history), {
      redis: redis.client(),
      namespace: chat,
      strict: true,
    });
    const a = (await monitors.start({ namespace: chat, instanceId: 'a', gaugeIntervalMs: 0 }))
      .monitor;
    const b = (await monitors.start({ namespace: support, instanceId: 'b', gaugeIntervalMs: 0 }))
      .monitor;
    for (const id of ['s1', 's2', 's3', 's4']) a.open({ id, userAgent: 'test' });
    a.login('s1', 'u1');
    a.login('s2', 'u1');
    a.login('s3', 'u2');
    a.open({ id: 's5', userAgent: 'test' });
    a.login('s5', 'u4');
    await a.flush();
    a.close('s5');
    b.open({ id: 't1', userAgent: 'test' });
    b.login('t1', 'u3');
    await Promise.all([a.flush(), b.flush()]);
    expect(await a.sampleGauges()).toBe(true);
    expect(await b.sampleGauges()).toBe(true);
    return { chat, support, monitors: [a, b] };
  }

  return { redis, monitors, warnings, logger, twoSampledNamespaces };
}
