// applyBatch is a Redis Function: a monitor loads its library as it starts, so a Redis without
// Functions (before 7.0) or a user who may not load one fails the start, with the reason, and
// leaves nothing in Redis, rather than failing every batch after a start that looked fine.
import { Redis } from 'ioredis';
import { SessionMonitor } from '../../src';
import { loadScripts } from '../../src/scripts/script-catalog';
import { startPrivateRedis, type PrivateRedis } from '../../src/redis/private-redis-server';
import { uniqueNamespace } from '../support/redis-server';

jest.setTimeout(30_000);

const LIBRARY = loadScripts().get('applyBatch')!.library!.name;

/** Starts a monitor on `url` in a fresh namespace; returns how its start ended and the namespace. */
async function tryStart(url: string) {
  const namespace = uniqueNamespace('start-functions');
  const monitor = new SessionMonitor({ redis: url, namespace, startTimeoutMs: 5000 });
  monitor.on('error', () => undefined);
  const started = await monitor.start().then(
    () => undefined,
    (err: unknown) => err,
  );
  await monitor.stop();
  return { started, namespace };
}

describe('a monitor start and the applyBatch library', () => {
  const servers: PrivateRedis[] = [];
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    for (const server of servers) await server.stop();
  });
  async function server(args: string[] = []) {
    const s = await startPrivateRedis({ args });
    servers.push(s);
    const admin = new Redis(s.url);
    clients.push(admin);
    return { url: s.url, admin };
  }

  it('loads the library as it starts, so the first batch finds it', async () => {
    const { url, admin } = await server();
    expect(await admin.call('FUNCTION', 'LIST', 'LIBRARYNAME', LIBRARY)).toEqual([]);
    const { started } = await tryStart(url);
    expect(started).toBeUndefined();
    expect(await admin.call('FUNCTION', 'LIST', 'LIBRARYNAME', LIBRARY)).toHaveLength(1);
  });

  it('fails the start on a Redis without Functions, writing nothing', async () => {
    // Redis 6.2 knows neither command; this 7.0 is made to answer as it would.
    const { url, admin } = await server([
      '--rename-command',
      'FUNCTION',
      '',
      '--rename-command',
      'FCALL',
      '',
    ]);
    const { started, namespace } = await tryStart(url);
    expect(started).toMatchObject({
      code: 'START_FAILED',
      message: expect.stringMatching(
        /applyBatch runs as a Redis Function, which this server lacks: it needs Redis 7\.0 or later \(ERR unknown command 'FUNCTION'/,
      ),
    });
    expect(await admin.keys(`sau:{${namespace}}:*`)).toEqual([]);
  });

  it('fails the start for a user who may not load the library, writing nothing', async () => {
    const { url, admin } = await server();
    await admin.call(
      'ACL',
      'SETUSER',
      'noload',
      'on',
      '>pw',
      '~*',
      '&*',
      '+@all',
      '-function|load',
    );
    const as = new URL(url);
    as.username = 'noload';
    as.password = 'pw';
    const { started, namespace } = await tryStart(as.toString());
    expect(started).toMatchObject({
      code: 'START_FAILED',
      message: expect.stringMatching(/NOPERM.*function\|load/),
    });
    expect(await admin.keys(`sau:{${namespace}}:*`)).toEqual([]);
    expect(await admin.call('FUNCTION', 'LIST')).toEqual([]);
  });
});
