import { Redis } from 'ioredis';
import { SauReader, SessionMonitor } from '../../src';
import { createRedis } from '../../src/cli/connect';
import { describeError } from '../../src/cli/describe-error';
import { awkwardPasswords, awkwardUrls, leakedTokens } from '../support/awkward-passwords';
import { freePort } from '../support/redis-server';
import { useRedis } from '../support/use-redis';

const SHAPES = ['userinfo', 'password-only', 'query'] as const;

/**
 * Every message of the library and of the CLI's connection code, for URLs whose passwords hold
 * `#`, `@`, `/`, `?`, `%`, `&`, spaces and unicode, raw and percent-encoded: a Redis that is not
 * there, and a real one that knows each password.
 */
describe('passwords stay out of every message', () => {
  const redis = useRedis();
  let closedPort: number;

  beforeAll(async () => {
    closedPort = await freePort();
    // One user that accepts every generated password: a URL that parses gets in.
    const passwords = awkwardPasswords().map((p) => `>${p.password}`);
    await redis.client().acl('SETUSER', 'app', 'on', ...passwords, '~*', '&*', '+@all');
  });

  /** Runs `body`, returning every message it produced: a rejection and any reported error. */
  async function messagesOf(body: (sink: (m: string) => void) => Promise<unknown>) {
    const messages: string[] = [];
    const sink = (m: string): void => void messages.push(m);
    try {
      await body(sink);
    } catch (err) {
      sink((err as Error).message);
    }
    return messages.join('\n');
  }

  it('start() rejections, error events and logs of a monitor', async () => {
    const urls = awkwardUrls(`127.0.0.1:${closedPort}`, { shapes: SHAPES });
    const leaks = await Promise.all(
      urls.map(async (awkward) => {
        const text = await messagesOf(async (sink) => {
          const monitor = new SessionMonitor({
            redis: awkward.url,
            namespace: 'privacy',
            startTimeoutMs: 300,
            logger: { warn: sink },
          });
          monitor.on('error', (err: Error) => sink(err.message));
          await monitor.start();
        });
        expect(text).not.toBe('');
        return leakedTokens(text, awkward).map((t) => `${awkward.url}: ${t}`);
      }),
    );
    expect(leaks.flat()).toEqual([]);
  });

  it("a reader's errors and the CLI's connection errors", async () => {
    for (const awkward of awkwardUrls(`127.0.0.1:${closedPort}`, { shapes: SHAPES })) {
      // A reader parses its URL at once (its queries would only retry against a closed port).
      const text = await messagesOf(async () => {
        await new SauReader({ redis: awkward.url, namespace: 'privacy' }).close();
      });
      const cli = await messagesOf(async (sink) => {
        const connection = createRedis(awkward.url);
        try {
          await connection.connect();
        } catch (err) {
          sink(describeError(err, [awkward.url]).message ?? '');
        } finally {
          await connection.close();
        }
      });
      expect({ url: awkward.url, leaked: leakedTokens(`${text}\n${cli}`, awkward) }).toEqual({
        url: awkward.url,
        leaked: [],
      });
    }
  });

  it('the error events of a monitor that lost its Redis user, percent-encoded passwords', async () => {
    const port = redis.server().port;
    const encoded = awkwardUrls(`127.0.0.1:${port}`, { shapes: ['userinfo'] }).filter((u) =>
      u.url.includes(encodeURIComponent(u.password)),
    );
    for (const awkward of encoded.slice(0, 4)) {
      const messages: string[] = [];
      const monitor = new SessionMonitor({
        redis: awkward.url,
        namespace: 'privacy',
        heartbeatIntervalMs: 100,
        leaseMs: 1000,
        logger: { warn: (m: string) => messages.push(m) },
      });
      monitor.on('error', (err: Error) => messages.push(err.message));
      await monitor.start();
      // Its connection is cut and its password no longer works: every retry fails with WRONGPASS.
      const admin = new Redis(redis.server().url);
      await admin.acl('SETUSER', 'app', `<${awkward.password}`);
      await admin.client('KILL', 'USER', 'app');
      await waitFor(() => messages.some((m) => /WRONGPASS|REDIS_UNAVAILABLE|heartbeat/.test(m)));
      await admin.acl('SETUSER', 'app', `>${awkward.password}`);
      await admin.quit();
      await monitor.stop();
      expect(leakedTokens(messages.join('\n'), awkward)).toEqual([]);
    }
  });
});

async function waitFor(condition: () => boolean, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
