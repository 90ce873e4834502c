import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs } from '../support/monitor-harness';
import { Keys } from '../../src/keys';
import { SauReader } from '../../src/reader/sau-reader';
import { InvalidArgumentError } from '../../src/errors/invalid-argument-error';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { ScriptStatus } from '../../src/scripts/script-status';
import { writeEvents } from '../support/event-writer';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import { reapingField } from '../../src/session/reaping-field';
import { SessionMonitor } from '../../src/monitor/session-monitor';
import { encodeSessionMeta, type SessionMeta } from '../../src/session/session-meta';
import { ZonedCalendar } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';
import type { LiveSession, SessionQuery } from '../../src/reader/session-types';
import { CHROME_WINDOWS, RC_IOS } from '../support/sample-client-meta';

/** SauReader.sessions(): paging through the live sessions of every instance. */
describe('SauReader.sessions', () => {
  const redis = useRedis();
  const calendar = new ZonedCalendar('UTC');

  /**
   * Three instances in a fresh namespace: node-a with 7 sessions, node-b with 12, node-c with
   * none; every third session logged in (users u0..u2), the rest anonymous.
   */
  async function setup() {
    const client = redis.client();
    const namespace = uniqueNamespace('listing');
    const keys = new Keys(namespace);
    const runner = new ScriptRunner(client);
    const today = calendar.dayAt(await redisNowMs(client));
    const send = async (instanceId: string, events: string[]) => {
      const result = await writeEvents(runner, keys, {
        instanceId,
        incarnation: `${instanceId}-inc`,
        day: today,
        expiry: expiryOf(today, 400),
        exactThreshold: 1000,
        events,
      });
      expect(result.status).toBe(ScriptStatus.OK);
      return result;
    };
    const expected = new Map<
      string,
      { instance: string; userId: string | null; meta: SessionMeta }
    >();
    for (const [instanceId, count] of [
      ['node-a', 7],
      ['node-b', 12],
      ['node-c', 0],
    ] as const) {
      await registerInstance(runner, keys, {
        instanceId,
        incarnation: `${instanceId}-inc`,
        leaseMs: 60_000,
        host: 'test',
        pid: 1,
      });
      const events: string[] = [];
      for (let i = 0; i < count; i++) {
        const id = `${instanceId}-s${String(i).padStart(2, '0')}`;
        const m = i % 2 === 0 ? CHROME_WINDOWS : RC_IOS;
        events.push('o', id, encodeSessionMeta(m));
        const userId = i % 3 === 0 ? `u${i % 9 === 0 ? 0 : (i / 3) % 3}` : null;
        if (userId) events.push('i', id, userId);
        expected.set(id, { instance: instanceId, userId, meta: m });
      }
      if (events.length > 0) await send(instanceId, events);
    }
    const reader = new SauReader({ redis: client, namespace });
    return { client, keys, runner, send, reader, expected };
  }

  /** Every page of a query until the cursor is null; fails if a page is over the limit. */
  async function everyPage(reader: SauReader, query: SessionQuery): Promise<LiveSession[][]> {
    const pages: LiveSession[][] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await reader.sessions({ ...query, cursor });
      expect(page.sessions.length).toBeLessThanOrEqual(query.limit ?? 100);
      pages.push(page.sessions);
      if (page.cursor === null) return pages;
      cursor = page.cursor;
    }
    throw new Error('the cursor never completed');
  }

  it('pages across instances with a limit below the total, each session exactly once', async () => {
    const { reader, expected } = await setup();
    const pages = await everyPage(reader, { limit: 5 });
    const ids = pages.flat().map((s) => s.id);
    expect(ids).toHaveLength(19);
    expect(new Set(ids).size).toBe(19);
    expect(new Set(ids)).toEqual(new Set(expected.keys()));
    expect(pages.slice(0, -1).every((p) => p.length === 5)).toBe(true);

    for (const session of pages.flat()) {
      const want = expected.get(session.id)!;
      expect(session).toMatchObject({
        instance: want.instance,
        userId: want.userId,
        ...want.meta,
      });
      expect(Date.parse(session.connectedAt)).toBeGreaterThan(0);
      if (want.userId)
        expect(Date.parse(session.loginAt!)).toBeGreaterThanOrEqual(
          Date.parse(session.connectedAt),
        );
      else expect(session.loginAt).toBeNull();
    }
    // One page large enough holds everything, with no cursor.
    const all = await reader.sessions({ limit: 1000 });
    expect(all.cursor).toBeNull();
    expect(all.sessions.map((s) => s.id)).toEqual(ids);
    // The default page is 100.
    expect((await reader.sessions()).sessions).toHaveLength(19);
  });

  it('filters by instance and by user, across pages', async () => {
    const { reader, expected } = await setup();
    const nodeB = (await everyPage(reader, { instance: 'node-b', limit: 4 })).flat();
    expect(nodeB.map((s) => s.id).sort()).toEqual(
      [...expected]
        .filter(([, e]) => e.instance === 'node-b')
        .map(([id]) => id)
        .sort(),
    );
    expect(await reader.sessions({ instance: 'node-c' })).toEqual({ sessions: [], cursor: null });
    expect(await reader.sessions({ instance: 'nowhere' })).toEqual({ sessions: [], cursor: null });

    for (const user of ['u0', 'u1', 'u2']) {
      const mine = (await everyPage(reader, { user, limit: 2 })).flat();
      const want = [...expected].filter(([, e]) => e.userId === user).map(([id]) => id);
      expect(want.length).toBeGreaterThan(0);
      expect(mine.map((s) => s.id).sort()).toEqual(want.sort());
      expect(mine.every((s) => s.userId === user)).toBe(true);
    }
    const both = (await everyPage(reader, { user: 'u0', instance: 'node-a', limit: 1 })).flat();
    expect(both.map((s) => s.id)).toEqual(['node-a-s00']);
    expect((await reader.sessions({ user: 'nobody' })).sessions).toEqual([]);
  });

  it('returns each session once while logins, logouts, opens and closes happen between pages', async () => {
    const { reader, send, expected } = await setup();
    const seen: string[] = [];
    let page = await reader.sessions({ limit: 6 });
    seen.push(...page.sessions.map((s) => s.id));
    // Rewrites of members already seen and not yet seen; a session added and one removed ahead.
    await send('node-a', ['i', 'node-a-s01', 'zed', 'u', 'node-a-s00', '']);
    await send('node-b', ['i', 'node-b-s11', 'zed', 'c', 'node-b-s10', '', 'o', 'node-b-s99', '']);
    while (page.cursor !== null) {
      page = await reader.sessions({ limit: 6, cursor: page.cursor });
      seen.push(...page.sessions.map((s) => s.id));
    }
    const stable = [...expected.keys()].filter((id) => id !== 'node-b-s10');
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of stable) expect(seen).toContain(id);
    expect(seen).toContain('node-b-s99');
    expect(seen).not.toContain('node-b-s10');
  });

  it('goes on with the next instance when the cursor’s instance stopped meanwhile', async () => {
    const client = redis.client();
    const namespace = uniqueNamespace('listing-stop');
    const monitors = ['m-1', 'm-2', 'm-3'].map(
      (instanceId) => new SessionMonitor({ redis: client, namespace, instanceId }),
    );
    const reader = new SauReader({ redis: client, namespace });
    try {
      await Promise.all(monitors.map((m) => m.start()));
      monitors.forEach((m, i) => {
        for (let s = 0; s < 3; s++) m.open({ id: `${m.options.instanceId}-${s}` });
        m.login(`${m.options.instanceId}-0`, `user-${i}`);
      });
      await Promise.all(monitors.map((m) => m.flush()));
      const first = await reader.sessions({ limit: 2 });
      expect(first.sessions.map((s) => s.id)).toEqual(['m-1-0', 'm-1-1']);
      // Opened without a user agent or address: classified as unknown, no address stored.
      expect(first.sessions[0]).toMatchObject({
        userId: 'user-0',
        deviceType: 'unknown',
        clientAddress: '',
      });
      await monitors[0].stop();
      let cursor = first.cursor;
      const rest: string[] = [];
      while (cursor !== null) {
        const page = await reader.sessions({ limit: 2, cursor });
        rest.push(...page.sessions.map((s) => s.id));
        cursor = page.cursor;
      }
      expect(rest).toEqual(['m-2-0', 'm-2-1', 'm-2-2', 'm-3-0', 'm-3-1', 'm-3-2']);
    } finally {
      await Promise.all(monitors.map((m) => m.stop()));
    }
  });

  it('lists the sessions of an incarnation being reaped, which still count as live', async () => {
    const { client, keys, reader } = await setup();
    // What claimDeadInstance leaves: no lease, no instance hash, a reaping entry.
    await client.zrem(keys.leases(), 'node-a');
    await client.del(keys.instance('node-a'));
    await client.hset(keys.reaping(), reapingField('node-a', 'node-a-inc'), 1);
    const ids = (await everyPage(reader, { limit: 3 })).flat().map((s) => s.id);
    expect(ids).toHaveLength(19);
    expect((await reader.sessions({ instance: 'node-a', limit: 100 })).sessions).toHaveLength(7);
  });

  it.each<[string, unknown]>([
    ['a limit of 0', { limit: 0 }],
    ['a limit over 1000', { limit: 1001 }],
    ['a fractional limit', { limit: 2.5 }],
    ['a limit that is not a number', { limit: '10' }],
    ['an empty user', { user: '' }],
    ['an instance id that could not exist', { instance: 'a{b}' }],
    ['a cursor it did not write', { cursor: 'bm90IGEgY3Vyc29y' }],
    ['a cursor that is not base64url', { cursor: '%%%' }],
  ])('refuses %s with InvalidArgumentError', async (_, query) => {
    const { reader } = await setup();
    await expect(reader.sessions(query as SessionQuery)).rejects.toThrow(InvalidArgumentError);
  });
});
