import type { Redis } from 'ioredis';
import type { SessionMonitor } from '../../src/monitor/session-monitor';
import type { SauReader } from '../../src/reader/sau-reader';
import type { Keys } from '../../src/keys';
import { parseMember } from '../../src/session/session-member';
import { BREAKDOWN_DIMENSIONS } from '../../src/session/breakdown-dimensions';
import { liveUserRefcounts } from './live-users';
import { liveBreakdownOf } from './breakdown-checks';
import { INSTANCES } from './counting-invariant-commands';
import type { Model } from './counting-invariant-model';

// The counting invariants' comparisons of Redis with the model: the live numbers the reader
// reports, the raw keys behind them, and the live breakdowns of sessions without metadata.

export async function expectLive(reader: SauReader, { state }: Model): Promise<void> {
  const { now } = await reader.stats();
  expect(now).toEqual({
    users: state.liveUsers().size,
    sessions: state.liveSessions,
    anonymousSessions: state.anonymousSessions,
    instances: INSTANCES,
  });
}

/** The raw keys behind the numbers: refcounts, totals and each incarnation's session set. */
export async function expectRaw(
  client: Redis,
  monitors: SessionMonitor[],
  { state: model }: Model,
): Promise<void> {
  const keys = monitors[0].keys;
  const live = await client.hgetall(keys.live());
  // Every count of the live totals hash; its `p:` fields are client profiles (records, not counts).
  for (const [field, value] of Object.entries(live)) {
    if (!field.startsWith('p:')) expect(Number(value)).toBeGreaterThanOrEqual(0);
  }
  expect(Number(live.sessions ?? 0)).toBe(model.liveSessions);
  expect(Number(live.anonymous ?? 0)).toBe(model.anonymousSessions);

  const refcounts = await liveUserRefcounts(client, keys);
  for (const value of Object.values(refcounts)) expect(Number(value)).toBeGreaterThanOrEqual(1);
  expect(
    new Map(Object.entries(refcounts).map(([u, n]) => [u, Number(n)] as [string, number])),
  ).toEqual(model.liveUsers());

  for (let i = 0; i < INSTANCES; i++) {
    const members = await client.zrange(
      keys.instanceSessions(`node-${i}`, monitors[i].incarnation),
      0,
      -1,
    );
    const stored = new Map(
      members.map((m) => {
        const { sessionId, userId } = parseMember(m);
        return [sessionId, userId] as [string, string];
      }),
    );
    expect(stored).toEqual(model.sessions[i]);
  }
}

/** With no metadata, every live session is `unknown` in every live breakdown. */
export async function expectUnknownBreakdowns(
  client: Redis,
  keys: Keys,
  { state }: Model,
): Promise<void> {
  const loggedIn = state.liveSessions - state.anonymousSessions;
  for (const by of BREAKDOWN_DIMENSIONS) {
    const { sessions, loggedInSessions } = await liveBreakdownOf(client, keys, by);
    expect(sessions).toEqual(state.liveSessions > 0 ? { unknown: state.liveSessions } : {});
    expect(loggedInSessions).toEqual(loggedIn > 0 ? { unknown: loggedIn } : {});
  }
}
