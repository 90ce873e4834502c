import { startLocalRedis } from '../../src/demo/local-redis';
import { pickRedis } from '../../src/demo/pick-redis';
import { pingRedis } from '../../src/demo/ping-redis';

describe('the demo Redis', () => {
  it('starts a private redis-server on a free port and stops it', async () => {
    const local = await startLocalRedis();
    try {
      expect(local.url).toBe(`redis://127.0.0.1:${local.port}`);
      expect(await pingRedis(local.url, 1000)).toBe(true);
    } finally {
      await local.stop();
    }
    expect(await pingRedis(local.url, 1000)).toBe(false);
  });

  it('says so when redis-server is not installed', async () => {
    await expect(startLocalRedis('no-such-redis-server-binary')).rejects.toThrow(
      'no-such-redis-server-binary is not installed (not on PATH); install Redis 7 or pass --redis-url',
    );
  });

  it('uses the given URL as is, else the default if it answers, else a private server', async () => {
    const given = await pickRedis('redis://:pw@example.invalid:6379', 'redis://127.0.0.1:1');
    expect(given).toMatchObject({ url: 'redis://:pw@example.invalid:6379', origin: 'given' });

    const fallback = await pickRedis(undefined, 'redis://127.0.0.1:1');
    try {
      expect(fallback.origin).toBe('private');
      expect(await pingRedis(fallback.url, 1000)).toBe(true);
    } finally {
      await fallback.stop();
    }

    const local = await startLocalRedis();
    try {
      expect(await pickRedis(undefined, local.url)).toMatchObject({
        url: local.url,
        origin: 'default',
      });
    } finally {
      await local.stop();
    }
  });
});
