import { assertInstanceId, type Keys } from '../keys';
import type { RedisClient } from '../redis/redis-client';
import type { ScriptRunner } from '../scripts/script-runner';
import { readSessions, type SessionPosition } from '../scripts/commands/read-sessions';
import { storedSession } from '../session/session-member';
import { storedSessionMeta } from '../session/session-meta';
import { parseReapingField } from '../session/reaping-field';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { decodeSessionCursor, encodeSessionCursor, type SessionCursor } from './session-cursor';
import type { LiveSession, SessionPage, SessionQuery } from './session-types';

/** Largest page `sessions()` returns. */
export const MAX_SESSION_PAGE = 1000;
const DEFAULT_SESSION_PAGE = 100;
/** With a user filter, members one script call looks at, and one page looks at in all. */
const EXAMINE_PER_CALL = 1000;
const EXAMINE_PER_PAGE = 10_000;

interface Incarnation {
  instanceId: string;
  incarnation: string;
}

/**
 * Pages through live sessions without KEYS or SCAN of the keyspace: the incarnations holding
 * sessions are those of the leases zset (live, or lapsed and not yet claimed) and of the reaping
 * hash (being closed); each incarnation's sorted set is read in its own order (oldest sessions
 * first, then by session id), a bounded slice per script call (readSessions). Paging by score and
 * session id rather than ZSCAN: ZSCAN ignores COUNT on small sets and may repeat members of large
 * ones, while a score and an id return every session exactly once even when a login or logout
 * rewrites its member meanwhile.
 */
export class SessionLister {
  constructor(
    private readonly client: RedisClient,
    private readonly runner: ScriptRunner,
    private readonly keys: Keys,
  ) {}

  async list(query: SessionQuery = {}): Promise<SessionPage> {
    const { limit, user, instance, cursor } = checkQuery(query);
    const incarnations = await this.incarnations(instance);
    let start = 0;
    let after: SessionPosition | undefined;
    if (cursor) {
      // The cursor's incarnation may be gone (stopped, reaped): go on with the next one.
      while (start < incarnations.length && compareIncarnations(incarnations[start], cursor) < 0) {
        start++;
      }
      if (start < incarnations.length && compareIncarnations(incarnations[start], cursor) === 0) {
        after = cursor.after;
      }
    }
    const sessions: LiveSession[] = [];
    let budget = EXAMINE_PER_PAGE;
    for (let i = start; i < incarnations.length; i++) {
      const at = incarnations[i];
      let from = i === start ? after : undefined;
      for (;;) {
        const wanted = limit - sessions.length;
        const result = await readSessions(this.runner, this.keys, {
          ...at,
          after: from,
          examine: user ? Math.min(EXAMINE_PER_CALL, budget) : wanted,
          limit: wanted,
          userId: user ?? '',
        });
        for (const s of result.sessions) sessions.push(liveSession(at.instanceId, s));
        budget -= result.examined;
        from = result.next;
        if (sessions.length >= limit || (user !== undefined && budget <= 0)) {
          const next = from ? { ...at, after: from } : incarnations[i + 1];
          return {
            sessions,
            cursor: next ? encodeSessionCursor({ after: undefined, ...next }) : null,
          };
        }
        if (!from) break;
      }
    }
    return { sessions, cursor: null };
  }

  /** Every incarnation that may hold live sessions, sorted, optionally of one instance. */
  private async incarnations(instance: string | undefined): Promise<Incarnation[]> {
    const [ids, reaping] = (await this.client
      .pipeline()
      .zrange(this.keys.leases(), 0, -1)
      .hgetall(this.keys.reaping())
      .exec()) as [[Error | null, string[]], [Error | null, Record<string, string>]];
    if (ids[0]) throw ids[0];
    if (reaping[0]) throw reaping[0];
    const leased = ids[1].filter((id) => instance === undefined || id === instance);
    const found: Incarnation[] = Object.keys(reaping[1])
      .map(parseReapingField)
      .filter((r) => instance === undefined || r.instanceId === instance);
    if (leased.length > 0) {
      const owners = this.client.pipeline();
      for (const id of leased) owners.hget(this.keys.instance(id), 'incarnation');
      const replies = (await owners.exec()) ?? [];
      replies.forEach(([err, incarnation], i) => {
        if (err) throw err;
        if (typeof incarnation === 'string') found.push({ instanceId: leased[i], incarnation });
      });
    }
    const unique = new Map(found.map((f) => [`${f.instanceId}\0${f.incarnation}`, f]));
    return [...unique.values()].sort(compareIncarnations);
  }
}

function checkQuery(query: SessionQuery): {
  limit: number;
  user: string | undefined;
  instance: string | undefined;
  cursor: SessionCursor | undefined;
} {
  if (typeof query !== 'object' || query === null) {
    throw new InvalidArgumentError('sessions takes an object such as { limit: 100 }');
  }
  const limit = query.limit ?? DEFAULT_SESSION_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SESSION_PAGE) {
    throw new InvalidArgumentError(
      `limit must be an integer from 1 to ${MAX_SESSION_PAGE}, got ${JSON.stringify(limit)}`,
    );
  }
  if (
    query.user !== undefined &&
    (typeof query.user !== 'string' || !/^[^\0]+$/.test(query.user))
  ) {
    throw new InvalidArgumentError('user must be a non-empty user id without NUL characters');
  }
  if (query.instance !== undefined) {
    try {
      assertInstanceId(query.instance);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  }
  return {
    limit,
    user: query.user,
    instance: query.instance,
    cursor: query.cursor === undefined ? undefined : decodeSessionCursor(query.cursor),
  };
}

function compareIncarnations(a: Incarnation, b: Incarnation): number {
  if (a.instanceId !== b.instanceId) return a.instanceId < b.instanceId ? -1 : 1;
  if (a.incarnation !== b.incarnation) return a.incarnation < b.incarnation ? -1 : 1;
  return 0;
}

function liveSession(
  instance: string,
  stored: { member: string; score: number; profile: string },
): LiveSession {
  const m = storedSession(stored.member, stored.score);
  const meta = storedSessionMeta(stored.profile, m.addressCode);
  return {
    id: m.sessionId,
    instance,
    userId: m.userId,
    clientAddress: meta.clientAddress,
    deviceType: meta.deviceType,
    osName: meta.osName,
    osVersion: meta.osVersion,
    clientName: meta.clientName,
    clientVersion: meta.clientVersion,
    connectedAt: new Date(m.connectedAtMs).toISOString(),
    loginAt: m.loginAtMs === null ? null : new Date(m.loginAtMs).toISOString(),
  };
}
