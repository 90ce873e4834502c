import { Redis } from 'ioredis';
import {
  awkwardPasswords,
  awkwardUrls,
  leakedTokens,
  type AwkwardUrl,
} from '../support/awkward-passwords';
import { freePort, startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, runCli, startCli, type CliResult } from './run-cli';

/** How many CLI processes run at once: enough to be quick, few enough for two shared cores. */
const PARALLEL = 4;

/**
 * The built `sau-cli`, given URLs whose passwords hold `#`, `@`, `/`, `?`, `%`, `&`, spaces and
 * unicode: nothing it prints (usage errors, connection errors, doctor, metrics) holds any part
 * of a password.
 */
describe('sau-cli never prints a password', () => {
  let redis: TestRedis;
  let admin: Redis;
  let closedPort: number;

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    admin = new Redis(redis.url);
    const passwords = awkwardPasswords().map((p) => `>${p.password}`);
    await admin.acl('SETUSER', 'app', 'on', ...passwords, '~*', '&*', '+@all');
    closedPort = await freePort();
  });

  afterAll(async () => {
    await admin?.quit();
    await redis?.stop();
  });

  function expectNoLeak(awkward: AwkwardUrl, result: CliResult): void {
    expect({
      url: awkward.url,
      leaked: leakedTokens(`${result.stdout}\n${result.stderr}`, awkward),
    }).toEqual({ url: awkward.url, leaked: [] });
  }

  /**
   * Every password written raw as `user:password@` (one awkward character each), and the one
   * with all of them raw and encoded, also as `?password=`. (Every generated URL goes through the
   * same code in test/integration/password-privacy.test.ts, without a process each.)
   */
  function sample(hostPort: string): AwkwardUrl[] {
    const all = awkwardUrls(hostPort, { shapes: ['userinfo', 'query'] });
    const longest = Math.max(...all.map((u) => u.password.length));
    return all.filter(
      (u) =>
        u.password.length === longest ||
        (u.url.startsWith('redis://app:') && !u.url.includes(encodeURIComponent(u.password))),
    );
  }

  it('in the one line of a usage or connection error', async () => {
    const urls = sample(`127.0.0.1:${closedPort}`);
    for (let i = 0; i < urls.length; i += PARALLEL) {
      const batch = urls.slice(i, i + PARALLEL);
      const results = await Promise.all(batch.map((u) => runCli(['--redis-url', u.url, 'stats'])));
      results.forEach((result, j) => {
        expect([2, 3]).toContain(result.code);
        expect(result.stderr).toMatch(/^sau-cli: .*\n$/);
        expectNoLeak(batch[j], result);
      });
    }
    const [first] = urls;
    for (const args of [['doctor'], ['metrics', '--port', '0']]) {
      const result = await runCli(['--redis-url', first.url, ...args]);
      expect([2, 3]).toContain(result.code);
      expectNoLeak(first, result);
    }
  });

  it('in doctor, stats and metrics on a Redis that takes the password', async () => {
    const usable = awkwardUrls(`127.0.0.1:${redis.port}`, { shapes: ['userinfo', 'query'] })
      .filter((u) => u.url.includes(encodeURIComponent(u.password)))
      .slice(-2);
    for (const awkward of usable) {
      const namespace = uniqueNamespace('privacy');
      const global = ['--redis-url', awkward.url, '--namespace', namespace];
      for (const args of [['doctor'], ['stats', '--window', 'all']]) {
        const result = await runCli([...global, ...args]);
        expect(result.code).toBe(0);
        expectNoLeak(awkward, result);
      }
      // metrics: one scrape that works, then Redis refuses the password and the scrape fails.
      const metrics = startCli([...global, '--json', 'metrics', '--port', '0']);
      const { url } = JSON.parse((await metrics.linesSoFar(1))[0]) as { url: string };
      expect((await fetch(url)).status).toBe(200);
      await admin.acl('SETUSER', 'app', `<${awkward.password}`);
      await admin.client('KILL', 'USER', 'app');
      expect((await fetch(url)).status).not.toBe(200);
      await admin.acl('SETUSER', 'app', `>${awkward.password}`);
      metrics.child.kill('SIGTERM');
      expectNoLeak(awkward, await metrics.done);
    }
  });
});
