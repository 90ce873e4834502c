// A reader's queries from JavaScript, where nothing checks their types: anything but an object is
// an InvalidArgumentError that says what to pass, never a TypeError from inside.
import { InvalidArgumentError } from '../../src/errors';
import { SauReader } from '../../src/reader/sau-reader';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';

describe('SauReader queries that are not objects', () => {
  const redis = useRedis();
  let reader: SauReader;
  beforeAll(() => {
    reader = new SauReader({ redis: redis.server().url, namespace: uniqueNamespace('queries') });
  });
  afterAll(() => reader.close());

  it.each([null, 'day', 7])('refuses %p with what to pass', async (query) => {
    const asked = (fn: (q: never) => Promise<unknown>) => fn(query as never);
    await expect(asked((q) => reader.stats(q))).rejects.toThrow(
      new InvalidArgumentError("stats takes an object such as { window: 'day' }"),
    );
    await expect(asked((q) => reader.sessions(q))).rejects.toThrow(
      new InvalidArgumentError('sessions takes an object such as { limit: 100 }'),
    );
    await expect(asked((q) => reader.history(q))).rejects.toThrow(
      new InvalidArgumentError('history needs an object such as { days: 30 }'),
    );
    await expect(asked((q) => reader.breakdown(q))).rejects.toThrow(
      new InvalidArgumentError('breakdown needs an object such as { by: "device" }'),
    );
  });

  it('answers the same queries as objects', async () => {
    expect((await reader.stats({})).now).toEqual({
      users: 0,
      sessions: 0,
      anonymousSessions: 0,
      instances: 0,
    });
    expect((await reader.sessions({ limit: 5 })).sessions).toEqual([]);
  });
});
