/**
 * The Grafana dashboard's panel queries, run against a fed namespace: each returns what SauReader
 * returns, and the check fails a panel it cannot vouch for.
 */
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs, useMonitors, type WatchedMonitor } from '../support/monitor-harness';
import { allPanels, loadDashboard, type Dashboard, type Panel } from '../support/grafana-dashboard';
import { checkDashboard } from '../support/grafana-dashboard-check';
import type { Truth } from '../support/grafana-panel-judge';
import { Keys } from '../../src/keys';
import type { Stats } from '../../src/reader/stats-types';
import type { BreakdownDimension } from '../../src/reader/breakdown-types';
import { CRAWLER, USER_AGENTS } from '../../src/demo/user-agents';
import { importRocketChatSessions } from '../../src/import/import-sessions';

const DIMENSIONS: readonly BreakdownDimension[] = ['device', 'os', 'browser'];

const userAgent = (label: string): string => {
  const profile = USER_AGENTS.find((p) => p.label === label);
  if (!profile) throw new Error(`no user agent labelled ${label} in src/demo/user-agents.ts`);
  return profile.userAgent;
};

function gaugesOf(stats: Stats): Truth['gauges'] {
  const { now, day, week, month } = stats;
  if (!day || !week || !month) throw new Error('stats({ window: "all" }) lacks a section');
  return {
    users: now.users,
    sessions: now.sessions,
    anonymousSessions: now.anonymousSessions,
    instances: now.instances,
    dau: day.activeUsers,
    wau: week.activeUsers,
    mau: month.activeUsers,
    rolling30: month.rolling30,
    peakUsersToday: day.peakUsers,
    stickiness: month.stickiness,
  };
}

describe('Grafana dashboard and provisioning (grafana/)', () => {
  const redis = useRedis();
  const monitors = useMonitors(() => redis.server().url);

  /**
   * Two users of earlier days (so that DAU, WAU and rolling 30 days differ), then two instances,
   * six users on assorted devices (one left, one logged out) and two anonymous visitors; one gauges
   * sample. Returns the monitors and what SauReader says afterwards.
   */
  async function feed(): Promise<{ truth: Truth; web1: WatchedMonitor; web2: WatchedMonitor }> {
    const client = redis.client();
    const namespace = uniqueNamespace('grafana');
    const nowMs = await redisNowMs(client);
    const history = [
      ['h1', 'yann', 3],
      ['h2', 'zoe', 20],
    ].map(([sessionId, userId, days]) => {
      const loginAt = new Date(nowMs - Number(days) * 86_400_000);
      const closedAt = new Date(loginAt.getTime() + 600_000);
      return JSON.stringify({
        type: 'session',
        sessionId,
        userId,
        loginAt: { $date: loginAt.toISOString() },
        closedAt: { $date: closedAt.toISOString() },
      });
    });
    await importRocketChatSessions(Readable.from(history.map((line) => `${line}\n`)), {
      redis: client,
      namespace,
      strict: true,
    });
    // gaugeIntervalMs 0: no sampler timer, so the only samples are the test's own.
    const options = { namespace, gaugeIntervalMs: 0 };
    const web1 = await monitors.start({ ...options, instanceId: 'web-1' });
    const web2 = await monitors.start({ ...options, instanceId: 'web-2' });
    const session = (m: WatchedMonitor, id: string, agent: string, userId?: string) => {
      m.monitor.open({ id, userAgent: agent });
      if (userId) m.monitor.login(id, userId);
    };
    session(web1, 'a1', userAgent('Chrome on Windows'), 'alice');
    session(web1, 'a2', userAgent('Rocket.Chat desktop on Windows'), 'alice');
    session(web1, 'b1', userAgent('Safari on macOS'), 'bob');
    session(web1, 'x1', CRAWLER.userAgent);
    session(web1, 'c1', userAgent('Safari on iPhone'), 'carol');
    session(web2, 'd1', userAgent('Rocket.Chat mobile on Android'), 'dave');
    session(web2, 'e1', userAgent('Rocket.Chat mobile on iOS'), 'erin');
    session(web2, 'x2', userAgent('Firefox on Linux'));
    session(web2, 'f1', userAgent('Chrome on Android'), 'frank');
    session(web2, 'b2', userAgent('Chrome on macOS'), 'bob');
    await Promise.all([web1.monitor.flush(), web2.monitor.flush()]);
    web1.monitor.close('c1');
    web2.monitor.logout('f1');
    await Promise.all([web1.monitor.flush(), web2.monitor.flush()]);
    const truth = await sample(client, namespace, web1, 0);
    // The workload is what the checks rely on: numbers that differ from each other and from 0.
    expect(truth.stats.now).toEqual({ users: 4, sessions: 9, anonymousSessions: 3, instances: 2 });
    expect(truth.gauges).toMatchObject({ dau: 6, wau: 7, rolling30: 8 });
    // The month holds the history users whose days fall in it: 6 to 8 users, depending on today.
    expect(truth.gauges.stickiness).toBeCloseTo(6 / truth.gauges.mau, 4);
    return { truth, web1, web2 };
  }

  /** Samples the gauges through `sampler` and reads what SauReader says right after. */
  async function sample(
    client: Redis,
    namespace: string,
    sampler: WatchedMonitor,
    samplesBefore: number,
  ): Promise<Truth> {
    const before = await redisNowMs(client);
    expect(await sampler.monitor.sampleGauges()).toBe(true);
    const after = await redisNowMs(client);
    const reader = monitors.reader({ namespace });
    const stats = await reader.stats({ window: 'all' });
    const live = {} as Truth['live'];
    for (const by of DIMENSIONS) live[by] = (await reader.breakdown({ by })).rows;
    return {
      keys: new Keys(namespace),
      stats,
      gauges: gaugesOf(stats),
      sampledBetween: [before, after],
      samples: samplesBefore + 1,
      live,
    };
  }

  it('every panel query returns the numbers SauReader returns, sample after sample', async () => {
    const client = redis.client();
    const dashboard = loadDashboard();
    const { truth, web1, web2 } = await feed();
    const first = await checkDashboard(client, dashboard, truth);
    expect(first.problems).toEqual([]);

    // What the issue asks the dashboard to show, each from the key that holds it.
    for (const field of ['users', 'sessions', 'dau', 'mau', 'stickiness', 'updatedAt']) {
      expect(first.shown).toContain(`stat gauges ${field}`);
    }
    for (const field of ['users', 'sessions', 'dau']) {
      expect(first.shown).toContain(`timeseries timeline ${field}`);
    }
    const breakdownPanels = [...first.shown].filter((s) => /^(bargauge|piechart) /.test(s));
    expect(breakdownPanels.some((s) => s.includes(' live breakdown device '))).toBe(true);
    expect(breakdownPanels.some((s) => s.includes(' live breakdown os '))).toBe(true);

    // Things change and a second sample lands: the time series now has two points, the last one
    // the new numbers, and every stat follows.
    web2.monitor.close('d1');
    web2.monitor.close('e1');
    web1.monitor.open({ id: 'g1', userAgent: userAgent('Edge on Windows') });
    web1.monitor.login('g1', 'grace');
    await Promise.all([web1.monitor.flush(), web2.monitor.flush()]);
    const second = await sample(client, truth.keys.namespace, web1, truth.samples);
    expect(second.stats.now).toEqual({ users: 3, sessions: 8, anonymousSessions: 3, instances: 2 });
    expect(second.gauges.dau).toBe(7);
    expect((await checkDashboard(client, dashboard, second)).problems).toEqual([]);
  });

  it('fails a panel whose key, field, command, column or type it cannot vouch for', async () => {
    const client = redis.client();
    const { truth } = await feed();
    const broken = (change: (panels: Panel[]) => void): Dashboard => {
      const dashboard = loadDashboard();
      change(allPanels(dashboard));
      return dashboard;
    };
    const byTitle = (panels: Panel[], title: string): Panel => {
      const panel = panels.find((p) => p.title === title);
      if (!panel) throw new Error(`the dashboard has no panel ${title}`);
      return panel;
    };
    const cases: Array<[string, (panels: Panel[]) => void, RegExp]> = [
      [
        'a key that does not exist',
        (p) => (byTitle(p, 'SAU').targets![0].keyName = 'sau:{$namespace}:gauge'),
        /"SAU" target A: key sau:\{grafana-.*\}:gauge does not exist/,
      ],
      [
        'a field the hash lacks',
        (p) => (byTitle(p, 'DAU').targets![0].field = 'daily'),
        /"DAU" target A: gauges: "daily" is not a gauges field/,
      ],
      [
        'a command the test does not emulate',
        (p) => (byTitle(p, 'MAU').targets![0].command = 'hkeys'),
        /"MAU" target A: command "hkeys" is not emulated/,
      ],
      [
        'a time series column the stream lacks',
        (p) =>
          byTitle(p, 'SAU and sessions').transformations![0].options.include!.names!.push(
            'sesions',
          ),
        /"SAU and sessions" target A: transformation filterFieldsByName names sesions/,
      ],
      [
        'a panel type the test does not judge',
        (p) => (byTitle(p, 'Live sessions by OS').type = 'heatmap'),
        /"Live sessions by OS": panel type heatmap is not checked/,
      ],
    ];
    for (const [what, change, expected] of cases) {
      const { problems } = await checkDashboard(client, broken(change), truth);
      expect({ what, problems }).toEqual({ what, problems: [expect.stringMatching(expected)] });
    }
    // A gauges hash that disagrees with SauReader fails every panel that reads the field.
    await client.hset(truth.keys.gauges(), 'users', String(truth.gauges.users + 1));
    const { problems } = await checkDashboard(client, loadDashboard(), truth);
    expect(problems).toEqual([
      expect.stringMatching(/"SAU" target A: gauges: users = 5, SauReader says 4/),
    ]);
  });
});
