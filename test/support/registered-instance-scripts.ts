import { useRedis } from './use-redis';
import { uniqueNamespace } from './redis-server';
import { redisNowMs, snapshot } from './monitor-harness';
import { writeEvents } from './event-writer';
import { storedSessionOf } from './stored-sessions';
import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { closeSessions } from '../../src/scripts/commands/close-sessions';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import { ZonedCalendar, type ZonedDay } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';

// The script tests (test/lua) call the scripts straight through ScriptRunner and the typed
// wrappers, with no monitor in between, on one instance they registered themselves: this is that
// instance and those calls, written once for every file that needs them.

/**
 * Gives the test file its own redis-server and setup(), which registers instance node-1
 * (incarnation inc-1) on a fresh namespace named after `namespacePrefix` and returns apply() and
 * close() for it, with readers of its sessions and of the whole namespace. Call at the top of the
 * file's describe block.
 */
export function useRegisteredInstanceScripts(namespacePrefix: string) {
  const redis = useRedis();
  const calendar = new ZonedCalendar('UTC');

  async function setup(options: { exactThreshold?: number; breakdownCap?: number } = {}) {
    const client = redis.client();
    const keys = new Keys(uniqueNamespace(namespacePrefix));
    const runner = new ScriptRunner(client);
    const incarnation = 'inc-1';
    await registerInstance(runner, keys, {
      instanceId: 'node-1',
      incarnation,
      leaseMs: 60_000,
      host: 'test',
      pid: 1,
    });
    const today = calendar.dayAt(await redisNowMs(client));
    /** Raw events (batch-builder.ts lists them); `inc` sends them as another incarnation. */
    const apply = (
      events: string[],
      extra: { day?: ZonedDay; firstSeq?: number; inc?: string } = {},
    ) => {
      const day = extra.day ?? today;
      return writeEvents(runner, keys, {
        instanceId: 'node-1',
        incarnation: extra.inc ?? incarnation,
        day,
        expiry: expiryOf(day, 400),
        exactThreshold: options.exactThreshold ?? 1000,
        breakdownCap: options.breakdownCap,
        events,
        firstSeq: extra.firstSeq,
      });
    };
    const close = (
      batchSize = 100,
      instant: 'now' | 'heartbeat' | `${number}` = 'now',
      day: ZonedDay = today,
    ) =>
      closeSessions(runner, keys, {
        instanceId: 'node-1',
        incarnation,
        instant,
        day,
        expiry: expiryOf(day, 400),
        batchSize,
        breakdownCap: options.breakdownCap,
      });
    const sessionsKey = keys.instanceSessions('node-1', incarnation);
    const member = (sessionId: string) => storedSessionOf(client, sessionsKey, sessionId);
    /** Every key of the namespace with its value: to show a refused call wrote nothing. */
    const state = () => snapshot(client, keys.prefix);
    return { client, keys, runner, incarnation, today, apply, close, member, sessionsKey, state };
  }

  return { setup, calendar };
}
