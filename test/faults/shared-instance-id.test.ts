import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SauReader } from '../../src';
import { addDays } from '../../src/time/zoned-calendar';
import { linesOf } from '../support/child-lines';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';

// Two live processes configured with one instanceId (replicas sharing a configuration). The second
// one's start() takes the id as a restart would, closing the first one's sessions at once. The
// first must go on being counted, under an id of its own, and say so once: every login it flushed
// stays in DAU and MAU, and its live sessions are back in SAU.

jest.setTimeout(60_000);

const FIXTURE = join(__dirname, 'fixtures', 'traffic-child.js');
const HEARTBEAT_MS = 200;

interface ChildState {
  instanceId: string;
  live: Record<string, string>;
  loggedIn: string[];
  errors: string[];
}

interface TrafficChild {
  process: ChildProcess;
  lines: ReturnType<typeof linesOf>;
}

describe('two live processes with one instanceId', () => {
  let redis: TestRedis;
  let reader: SauReader | undefined;
  const children: TrafficChild[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
      }
    }
    await reader?.close();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  async function startChild(namespace: string, seed: number): Promise<TrafficChild> {
    const child = spawn(process.execPath, [FIXTURE], {
      env: {
        ...process.env,
        REDIS_URL: redis.url,
        NAMESPACE: namespace,
        INSTANCE_ID: 'replica',
        SEED: String(seed),
        USERS: '400',
        HEARTBEAT_MS: String(HEARTBEAT_MS),
        LEASE_MS: String(5 * HEARTBEAT_MS),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const started = { process: child, lines: linesOf(child) };
    children.push(started);
    expect(await started.lines.next(15_000)).toBe('ready replica');
    return started;
  }

  async function hold(child: TrafficChild): Promise<ChildState> {
    child.process.stdin?.write('hold\n');
    return JSON.parse(await child.lines.next(15_000)) as ChildState;
  }

  it('counts both: every flushed login in DAU and MAU, SAU and sessions exact, zero after both stop', async () => {
    const namespace = uniqueNamespace('twins');
    reader = new SauReader({ redis: redis.url, namespace });
    const first = await startChild(namespace, 1);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const second = await startChild(namespace, 2);
    // Both take logins and closes for several seconds.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const [older, newer] = await Promise.all([hold(first), hold(second)]);

    // The newer process has the configured id; the older one an id of its own, said once.
    expect(newer.instanceId).toBe('replica');
    expect(newer.errors).toEqual([]);
    expect(older.instanceId).toMatch(/^replica~[0-9a-f]{8}$/);
    expect(older.errors).toEqual(['SUPERSEDED']);

    const live = { ...older.live, ...newer.live };
    expect(Object.keys(live)).toHaveLength(
      Object.keys(older.live).length + Object.keys(newer.live).length,
    );
    const liveUsers = new Set(Object.values(live).filter((user) => user !== ''));
    const anonymous = Object.values(live).filter((user) => user === '').length;
    const everyone = new Set([...older.loggedIn, ...newer.loggedIn]);
    expect(everyone.size).toBeGreaterThan(100);
    const now = (await reader.stats({ window: 'now' })).now;
    expect(now).toEqual({
      users: liveUsers.size,
      sessions: Object.keys(live).length,
      anonymousSessions: anonymous,
      instances: 2,
    });
    // Before: the older process's batches were dropped after the takeover (SUPERSEDED), so its
    // later logins were missing from DAU and its live sessions from SAU.
    await expectActiveUsers(reader, everyone.size);

    for (const child of [first, second]) child.process.stdin?.write('stop\n');
    expect(await first.lines.next(15_000)).toBe('stopped');
    expect(await second.lines.next(15_000)).toBe('stopped');
    expect((await reader.stats({ window: 'now' })).now).toEqual({
      users: 0,
      sessions: 0,
      anonymousSessions: 0,
      instances: 0,
    });
    await expectActiveUsers(reader, everyone.size);
  });
});

/**
 * Every user who logged in is active in the 7 and 30 days ending today (the namespace is new:
 * nobody else), and, unless midnight came during the test, on today and in this month.
 */
async function expectActiveUsers(reader: SauReader, users: number): Promise<void> {
  const stats = await reader.stats({ window: 'all' });
  expect(stats.week).toMatchObject({ activeUsers: users, exact: true });
  expect(stats.month?.rolling30).toBe(users);
  const yesterday = await reader.stats({ window: 'day', date: addDays(stats.day!.date, -1) });
  if (yesterday.day!.activeUsers === 0) {
    expect(stats.day?.activeUsers).toBe(users);
    expect(stats.month?.activeUsers).toBe(users);
  }
}
