// Rejected events: bad ids, unknown sessions and events after stop() reported through `error`,
// never thrown, and counted nowhere in a real Redis.
import type { SessionInfo } from '../../src/monitor/session-input';
import { RejectedEventError } from '../../src/errors/rejected-event-error';
import { uniqueNamespace } from '../support/redis-server';
import { useCountingMonitors } from '../support/counting-monitors';

describe('counting against a real Redis', () => {
  const { harness, setup } = useCountingMonitors();

  describe('rejected events', () => {
    it('reports bad ids and unknown sessions through `error`, never by throwing', async () => {
      const { monitor, reader, errors } = await setup();
      const open = (info: unknown) => monitor.open(info as SessionInfo);
      const login = (sessionId: unknown, userId: unknown) =>
        monitor.login(sessionId as string, userId as string);
      expect(() => {
        open({ id: '' });
        open({ id: 42 });
        open({});
        open(null);
        open('not-an-object');
        open({ id: 'x'.repeat(257) });
        open({ id: 'é'.repeat(129) }); // 258 bytes
        open({ id: 'nul\0inside' });
        open({ id: 'ok' });
        open({ id: 'y'.repeat(256) });
        open({ id: 'é'.repeat(128) }); // 256 bytes: allowed
        login('ok', '');
        login('ok', 7);
        login('ok', 'u'.repeat(257));
        login('', 'alice');
        login('missing', 'alice');
        login('ok', 'alice');
        monitor.logout('missing');
        monitor.close('missing');
        monitor.close(undefined as unknown as string);
      }).not.toThrow();
      await monitor.flush();
      expect(errors.map((e) => e.code)).toEqual([
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_USER_ID',
        'INVALID_USER_ID',
        'INVALID_USER_ID',
        'INVALID_SESSION_ID',
        'UNKNOWN_SESSION',
      ]);
      expect(errors.every((e) => e instanceof RejectedEventError)).toBe(true);
      const stats = await reader.stats({ window: 'day' });
      expect(stats.now).toEqual({ users: 1, sessions: 3, anonymousSessions: 2, instances: 1 });
      expect(stats.day).toMatchObject({ sessions: 3, logins: 1, activeUsers: 1 });

      await monitor.stop();
      errors.length = 0;
      expect(() => monitor.open({ id: 'late' })).not.toThrow();
      expect(errors.map((e) => e.code)).toEqual(['STOPPED']);
    });

    it('names the call a full queue rejects, and counts what it kept', async () => {
      const namespace = uniqueNamespace('queue-full');
      const { monitor, errors } = await harness.start({
        namespace,
        instanceId: 'app-1',
        maxQueuedEvents: 3,
      });
      for (const id of ['a', 'b']) monitor.open({ id });
      await monitor.flush();
      // One tick: three events fit, the next are rejected (the drain runs on the next tick).
      monitor.login('a', 'alice');
      monitor.login('b', 'bob');
      monitor.logout('a');
      monitor.open({ id: 'c' });
      monitor.login('b', 'carol');
      monitor.logout('b');
      monitor.close('a');
      await monitor.flush();
      expect(errors.map((e) => e.message)).toEqual([
        'open("c") rejected: 3 events already wait for Redis',
        'login("b") rejected: 3 events already wait for Redis',
        'logout("b") rejected: 3 events already wait for Redis',
        'close("a") rejected: 3 events already wait for Redis',
      ]);
      expect(errors.map((e) => (e as RejectedEventError).operation)).toEqual([
        'open',
        'login',
        'logout',
        'close',
      ]);
      expect(monitor.queueStatus.dropped).toBe(4);
      const reader = harness.reader({ namespace });
      expect((await reader.stats()).now).toEqual({
        users: 1,
        sessions: 2,
        anonymousSessions: 1,
        instances: 1,
      });
    });

    it('survives an `error` listener that throws', async () => {
      const namespace = uniqueNamespace('throwing-listener');
      const { monitor } = harness.create({ namespace, instanceId: 'app-1' });
      monitor.on('error', () => {
        throw new Error('listener bug');
      });
      await monitor.start();
      expect(() => monitor.login('nobody', 'alice')).not.toThrow();
    });
  });
});
