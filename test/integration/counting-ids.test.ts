// Ids: user and session ids with braces, colons, Unicode and shared prefixes counted exactly
// against a real Redis.
import { liveUserRefcounts } from '../support/live-users';
import { useCountingMonitors } from '../support/counting-monitors';

describe('counting against a real Redis', () => {
  const { redis, setup } = useCountingMonitors();

  describe('ids', () => {
    it('counts user and session ids with braces, colons, Unicode and shared prefixes exactly', async () => {
      const { monitor, reader, errors } = await setup();
      const users = [
        '{alice}',
        'a:b',
        'a',
        'a:b:c',
        'ユーザー',
        '😀',
        'ü',
        'u\u0308',
        '*',
        ' ',
        '\u0001',
      ];
      const sessionIds = ['s', 's\u0001', 's ', '{s}', 's:1', 'ß', '[s', '(s', '-', '+'];
      sessionIds.forEach((id, i) => {
        monitor.open({ id });
        monitor.login(id, users[i]);
      });
      monitor.open({ id: 'extra' });
      monitor.login('extra', users[10]);
      monitor.open({ id: 'dup' });
      monitor.login('dup', '{alice}'); // the same user on another session
      await monitor.flush();
      expect(errors).toEqual([]);
      let stats = await reader.stats({ window: 'day' });
      expect(stats.now).toEqual({ users: 11, sessions: 12, anonymousSessions: 0, instances: 1 });
      expect(stats.day).toMatchObject({ activeUsers: 11, exact: true, logins: 12 });
      const live = await liveUserRefcounts(redis.client(), monitor.keys);
      expect(Object.keys(live).sort()).toEqual([...users].sort());
      expect(live['{alice}']).toBe('2');

      // Closing "s" must close exactly that session, not "s\u0001" or "s ".
      monitor.close('s');
      await monitor.flush();
      stats = await reader.stats();
      expect(stats.now).toEqual({ users: 11, sessions: 11, anonymousSessions: 0, instances: 1 });
      expect((await liveUserRefcounts(redis.client(), monitor.keys))['{alice}']).toBe('1');
      monitor.logout('s\u0001');
      await monitor.flush();
      expect(await liveUserRefcounts(redis.client(), monitor.keys)).not.toHaveProperty('a:b');
      expect((await reader.stats()).now).toMatchObject({ users: 10, anonymousSessions: 1 });
    });
  });
});
