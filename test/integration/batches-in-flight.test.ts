import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { clearOfMidnight } from '../support/expect-today';
import { Keys } from '../../src/keys';
import { ScriptRunner, type ScriptArg } from '../../src/scripts/script-runner';
import { ScriptStatus } from '../../src/scripts/script-status';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import { BatchWriter, type AppliedPart } from '../../src/monitor/batch-writer';
import { readClosedSessions } from '../../src/reader/closed-sessions';
import { parseMember } from '../../src/session/session-member';
import { ZonedCalendar } from '../../src/time/zoned-calendar';
import type { RedisClient } from '../../src/redis/redis-client';

/** Index in applyBatch's ARGV (from 0 here) of the sequence number Redis must be at. */
const AFTER_SEQ_ARG = 33;

/**
 * A runner that notes each applyBatch call's afterSeq and answer, and how many calls were in flight
 * when it was sent: the real scripts, on Redis.
 */
class NotingRunner extends ScriptRunner {
  readonly calls: Array<{ afterSeq: number; status: number }> = [];
  readonly inFlightAtSend: number[] = [];
  private inFlight = 0;

  override async run(name: string, keys: string[], args: ScriptArg[]): Promise<unknown> {
    if (name !== 'applyBatch') return super.run(name, keys, args);
    this.inFlightAtSend.push(this.inFlight++);
    let reply: unknown;
    try {
      reply = await super.run(name, keys, args);
    } finally {
      this.inFlight--;
    }
    this.calls.push({
      afterSeq: Number(args[AFTER_SEQ_ARG]),
      status: Number((reply as number[])[0]),
    });
    return reply;
  }
}

/**
 * The writer sends a batch while the ones ahead of it are in flight, built on what they will leave.
 * It holds only if the one before it applied: these tests make both cases happen on a real Redis.
 */
describe('batches in flight', () => {
  const redis = useRedis();
  const calendar = new ZonedCalendar('UTC');

  async function setup() {
    const client = redis.client();
    const keys = new Keys(uniqueNamespace('ahead'));
    const runner = new NotingRunner(client);
    await registerInstance(runner, keys, {
      instanceId: 'node-1',
      incarnation: 'inc-1',
      leaseMs: 60_000,
      host: 'test',
      pid: 1,
    });
    const writer = new BatchWriter(runner, keys, calendar, {
      instanceId: 'node-1',
      incarnation: 'inc-1',
      exactThreshold: 1000,
      retentionDays: 400,
    });
    const parts: AppliedPart[] = [];
    /** Writes `first`, handing `then` over as the next batch once the first is in flight. */
    const write = async (first: string[], then: string[][] = []) => {
      const day = calendar.day(await clearOfMidnight(client, 5_000));
      const queue = [...then];
      const result = await writer.write(
        first,
        writer.mirror.nextSeq,
        day,
        (p) => parts.push(p),
        () => queue.shift(),
      );
      expect(queue).toEqual([]);
      return { result, day };
    };
    const sessions = keys.instanceSessions('node-1', 'inc-1');
    return { client, keys, runner, writer, parts, write, sessions };
  }

  it('a batch built ahead logs in and closes sessions the batch in flight opens', async () => {
    const { client, keys, runner, writer, parts, write, sessions } = await setup();
    const opens = ['o', 's1', '', 'o', 's2', '', 'o', 's3', ''];
    const { result, day } = await write(opens, [
      ['i', 's1', 'alice', 'c', 's2', '', 'i', 's3', 'bob'],
    ]);
    expect(result).toMatchObject({ status: ScriptStatus.OK, applied: 6 });

    // The opens, then the login of s1 ahead of their answer; the close of s2 needs to know when
    // s2 connected (the closed-session log says), so it goes once the opens answered, with s3's
    // login, ahead of the login of s1.
    expect(runner.calls).toEqual([
      { afterSeq: -1, status: ScriptStatus.OK },
      { afterSeq: 3, status: ScriptStatus.OK },
      { afterSeq: 4, status: ScriptStatus.OK },
    ]);
    expect(parts.map((p) => [p.firstSeq, p.events.length / 3])).toEqual([
      [0, 3],
      [3, 1],
      [4, 2],
    ]);
    expect(await client.hget(keys.instance('node-1'), 'eventSeq')).toBe('6');

    // Logging in keeps the score: when the session connected, as the first call stamped it.
    const members = await client.zrange(sessions, 0, -1, 'WITHSCORES');
    const byId = new Map<string, { userId: string; score: number }>();
    for (let i = 0; i < members.length; i += 2) {
      const m = parseMember(members[i]);
      byId.set(m.sessionId, { userId: m.userId, score: Number(members[i + 1]) });
    }
    const openedAt = byId.get('s1')?.score ?? NaN;
    expect(byId).toEqual(
      new Map([
        ['s1', { userId: 'alice', score: openedAt }],
        ['s3', { userId: 'bob', score: openedAt }],
      ]),
    );
    expect(writer.mirror.get('s1')).toMatchObject({ userId: 'alice', stampMs: openedAt });
    expect(writer.mirror.get('s3')).toMatchObject({ userId: 'bob', stampMs: openedAt });

    const closed = [];
    for await (const s of readClosedSessions(client as RedisClient, keys, calendar, {
      from: day.date,
      to: day.date,
    })) {
      closed.push(s);
    }
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ sessionId: 's2', userId: null, connectedAt: openedAt });
    expect(closed[0].closedAt).toBeGreaterThanOrEqual(openedAt);

    const dayHash = await client.hgetall(keys.day(day.date));
    expect(dayHash).toMatchObject({ sessions: '3', logins: '2', closed: '1' });
    expect(await client.hmget(keys.live(), 'sessions', 'anonymous', 'users')).toEqual([
      '2',
      '0',
      '2',
    ]);
  });

  it('a third batch in flight logs in a session the first opens and the second does not touch', async () => {
    const { client, keys, runner, writer, write, sessions } = await setup();
    const { result, day } = await write(
      ['o', 's1', '', 'o', 's2', ''],
      [
        ['i', 's2', 'bob'],
        ['i', 's1', 'alice'],
      ],
    );
    expect(result).toMatchObject({ status: ScriptStatus.OK, applied: 4 });
    // All three sent before the first answered, each holding only if the one before it applied.
    expect(runner.inFlightAtSend).toEqual([0, 1, 2]);
    expect(runner.calls).toEqual([
      { afterSeq: -1, status: ScriptStatus.OK },
      { afterSeq: 2, status: ScriptStatus.OK },
      { afterSeq: 3, status: ScriptStatus.OK },
    ]);
    expect(writer.driftFound).toBe(0);

    const members = await client.zrange(sessions, 0, -1, 'WITHSCORES');
    const openedAt = Number(members[1]);
    const byId = new Map<string, [string, number]>();
    for (let i = 0; i < members.length; i += 2) {
      const { sessionId, userId } = parseMember(members[i]);
      byId.set(sessionId, [userId, Number(members[i + 1])]);
    }
    expect(byId).toEqual(
      new Map([
        ['s1', ['alice', openedAt]],
        ['s2', ['bob', openedAt]],
      ]),
    );
    expect(writer.mirror.get('s1')).toMatchObject({ userId: 'alice', stampMs: openedAt });
    expect(writer.mirror.get('s2')).toMatchObject({ userId: 'bob', stampMs: openedAt });
    expect(await client.hgetall(keys.day(day.date))).toMatchObject({ sessions: '2', logins: '2' });
    expect(await client.hmget(keys.live(), 'sessions', 'anonymous', 'users')).toEqual([
      '2',
      '0',
      '2',
    ]);
  });

  it('a batch ahead of one that did not apply changes nothing and is sent again', async () => {
    const { client, keys, runner, writer, write, sessions } = await setup();
    await write(['o', 's1', '', 'i', 's1', 'alice', 'o', 's2', '']);
    // Drift: s1's member goes behind the writer's back, so closing it is refused.
    const [s1] = await client.zrangebyscore(sessions, '-inf', '+inf');
    expect(parseMember(s1)).toMatchObject({ sessionId: 's1', userId: 'alice' });
    await client.zrem(sessions, s1);
    runner.calls.length = 0;

    const { result, day } = await write(
      ['c', 's1', '', 'o', 's3', ''],
      [['i', 's3', 'carol', 'c', 's2', '']],
    );
    expect(result.status).toBe(ScriptStatus.OK);
    expect(runner.calls).toEqual([
      { afterSeq: -1, status: ScriptStatus.MEMBERS_DIFFER },
      { afterSeq: 5, status: ScriptStatus.PREVIOUS_NOT_APPLIED },
      // Built again without s1 (dropped from the view: drift), two events a call at most (the
      // largest batch handed over), the second ahead of the first.
      { afterSeq: -1, status: ScriptStatus.OK },
      { afterSeq: 5, status: ScriptStatus.OK },
    ]);
    expect(writer.driftFound).toBe(1);
    expect(await client.hget(keys.instance('node-1'), 'eventSeq')).toBe('7');

    // Every event counted once: s1's close changed nothing, s2 closed, s3 open with carol.
    const members = (await client.zrange(sessions, 0, -1)).map((m) => parseMember(m));
    expect(members.map((m) => [m.sessionId, m.userId])).toEqual([['s3', 'carol']]);
    expect(await client.hgetall(keys.day(day.date))).toMatchObject({
      sessions: '3',
      logins: '2',
      closed: '1',
    });
    // alice's session was removed by hand, so her live count is the drift's to repair (resync).
    expect(await client.hmget(keys.live(), 'sessions', 'anonymous')).toEqual(['2', '0']);
  });
});
