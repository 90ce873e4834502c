// createRedisClient: the standalone, Cluster or Sentinel ioredis client built from a parsed URL,
// with its credentials, database and TLS material.
import { Cluster, Redis } from 'ioredis';
import { connectRedis, createRedisClient, type RedisInput } from '../../src/redis/redis-client';
import { ConfigError } from '../../src/errors/config-error';
import { parseRedisUrl } from '../../src/redis/redis-url';

describe('createRedisClient', () => {
  const lazy = { redisOptions: { lazyConnect: true }, clusterOptions: { lazyConnect: true } };
  const ca = Buffer.from('a CA');

  it('builds a standalone client with the URL’s credentials, database and TLS', () => {
    const client = createRedisClient(parseRedisUrl('rediss://app:pw@h:6380/2'), {
      ...lazy,
      tls: { ca },
    });
    try {
      expect(client).toBeInstanceOf(Redis);
      expect((client as Redis).options).toMatchObject({
        host: 'h',
        port: 6380,
        username: 'app',
        password: 'pw',
        db: 2,
        tls: { ca },
      });
    } finally {
      client.disconnect();
    }
  });

  it('uses no TLS for redis:// even when TLS material is given', () => {
    const client = createRedisClient(parseRedisUrl('redis://h'), { ...lazy, tls: { ca } });
    try {
      expect((client as Redis).options.tls).toBeUndefined();
    } finally {
      client.disconnect();
    }
  });

  it('builds a Cluster whose every node gets the credentials and TLS', () => {
    const client = createRedisClient(parseRedisUrl('rediss+cluster://u:pw@a:1,b:2'), {
      ...lazy,
      tls: { ca },
    });
    try {
      expect(client).toBeInstanceOf(Cluster);
      const cluster = client as Cluster;
      expect(cluster.options.redisOptions).toMatchObject({
        username: 'u',
        password: 'pw',
        tls: { ca },
        lazyConnect: true,
      });
      expect(cluster.options.lazyConnect).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it('builds a Sentinel client: sentinels, master name, sentinel password, TLS both ways', () => {
    const client = createRedisClient(
      parseRedisUrl('rediss+sentinel://:pw@s1:1,s2:2/mymaster/3?sentinelPassword=sp'),
      { ...lazy, tls: { ca } },
    );
    try {
      expect((client as Redis).options).toMatchObject({
        sentinels: [
          { host: 's1', port: 1 },
          { host: 's2', port: 2 },
        ],
        name: 'mymaster',
        password: 'pw',
        db: 3,
        sentinelPassword: 'sp',
        tls: { ca },
        sentinelTLS: { ca },
        enableTLSForSentinelMode: true,
      });
    } finally {
      client.disconnect();
    }
  });
});

describe('connectRedis', () => {
  it('refuses a redis option that is no connection string, options or client', () => {
    for (const [input, shown] of [
      [6379, '6379'],
      [null, 'null'],
      [[], 'an array'],
      [true, 'true'],
    ] as const) {
      expect(() => connectRedis(input as unknown as RedisInput)).toThrow(
        new ConfigError(
          `redis must be a connection string, ioredis options or an ioredis client, got ${shown}`,
        ),
      );
    }
  });

  it('takes options, and a client of the caller’s as it is', async () => {
    const fromOptions = connectRedis({ host: '127.0.0.1', port: 1, lazyConnect: true });
    expect(fromOptions.owned).toBe(true);
    expect((fromOptions.client as Redis).options.port).toBe(1);
    const theirs = new Redis({ lazyConnect: true });
    expect(connectRedis(theirs)).toEqual({ client: theirs, owned: false });
    fromOptions.client.disconnect();
    theirs.disconnect();
  });
});
