// parseRedisUrl: the standalone, cluster and sentinel URL forms it reads, and the malformed URLs it
// rejects with a ConfigError that never shows the password.
import { ConfigError } from '../../src/errors/config-error';
import { maskUrl } from '../../src/redis/redis-client';
import { parseRedisUrl, type RedisTarget } from '../../src/redis/redis-url';
import { SECRET } from '../support/redis-url-secret';

describe('parseRedisUrl', () => {
  it.each<[string, RedisTarget]>([
    [
      'redis://127.0.0.1:6379',
      { topology: 'standalone', tls: false, nodes: [{ host: '127.0.0.1', port: 6379 }] },
    ],
    [
      'redis://cache',
      { topology: 'standalone', tls: false, nodes: [{ host: 'cache', port: 6379 }] },
    ],
    [
      'REDISS://Cache.example:6380/',
      { topology: 'standalone', tls: true, nodes: [{ host: 'Cache.example', port: 6380 }] },
    ],
    [
      'rediss://app:p%40ss%2Fw%3Ard@h:6380/2',
      {
        topology: 'standalone',
        tls: true,
        nodes: [{ host: 'h', port: 6380 }],
        username: 'app',
        password: 'p@ss/w:rd',
        db: 2,
      },
    ],
    [
      'redis://:only-password@h',
      {
        topology: 'standalone',
        tls: false,
        nodes: [{ host: 'h', port: 6379 }],
        password: 'only-password',
      },
    ],
    // A raw `@` in the password: credentials run to the last `@`, as in WHATWG URLs.
    [
      'redis://admin:p@ss@h:1',
      {
        topology: 'standalone',
        tls: false,
        nodes: [{ host: 'h', port: 1 }],
        username: 'admin',
        password: 'p@ss',
      },
    ],
    [
      'redis://[::1]:6380?password=pw&db=3&family=6',
      {
        topology: 'standalone',
        tls: false,
        nodes: [{ host: '::1', port: 6380 }],
        password: 'pw',
        db: 3,
        family: 6,
      },
    ],
    [
      'redis://10.0.0.1:7000,10.0.0.2:7001,10.0.0.3',
      {
        topology: 'cluster',
        tls: false,
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
          { host: '10.0.0.3', port: 6379 },
        ],
      },
    ],
    [
      'redis+cluster://one:7000/0',
      { topology: 'cluster', tls: false, nodes: [{ host: 'one', port: 7000 }], db: 0 },
    ],
    [
      'rediss+cluster://u:pw@a:1,b:2',
      {
        topology: 'cluster',
        tls: true,
        nodes: [
          { host: 'a', port: 1 },
          { host: 'b', port: 2 },
        ],
        username: 'u',
        password: 'pw',
      },
    ],
    [
      'redis+sentinel://s1,s2:26380/mymaster',
      {
        topology: 'sentinel',
        tls: false,
        nodes: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
        masterName: 'mymaster',
      },
    ],
    [
      'rediss+sentinel://:pw@s1:1/my%20master/4?sentinelPassword=sp&sentinelUsername=watcher',
      {
        topology: 'sentinel',
        tls: true,
        nodes: [{ host: 's1', port: 1 }],
        password: 'pw',
        masterName: 'my master',
        db: 4,
        sentinelPassword: 'sp',
        sentinelUsername: 'watcher',
      },
    ],
  ])('%s', (url, expected) => {
    expect(parseRedisUrl(url)).toEqual(expected);
  });

  it('keeps a + in a query password (URLSearchParams would read a space)', () => {
    expect(parseRedisUrl('redis://h?password=a+b%2Bc').password).toBe('a+b+c');
    expect(parseRedisUrl('redis+sentinel://s/m?sentinelPassword=x+y').sentinelPassword).toBe('x+y');
  });

  it.each<[string, RegExp]>([
    ['', /it is empty/],
    [`localhost:6379`, /does not start with a scheme/],
    [`http://u:${SECRET}@h`, /unknown scheme http:\/\//],
    ['redis://', /no host/],
    [`redis://u:${SECRET}@`, /no host/],
    ['redis://h:abc', /cannot read host:port "h:abc"/],
    ['redis://h:', /no port after "h:"/],
    [`redis://:${SECRET}@h:0`, /port 0 of h is not between 1 and 65535/],
    ['redis://h:65536', /port 65536 of h is not between 1 and 65535/],
    ['redis://h1:1,,h2:2', /an empty host in the list/],
    ['redis://[::1:6379', /cannot read host:port/],
    ['redis://h/x', /database "x" is not a database number/],
    ['redis://h/1/2', /unexpected path \/1\/2/],
    [`redis://u:${SECRET}@h1:1,h2:2/1`, /a Redis Cluster has only database 0, not 1/],
    [`redis+sentinel://:${SECRET}@s1`, /no master name: add \/<masterName>/],
    ['redis+sentinel://s1/m/1/x', /unexpected path after the database: \/x/],
    ['redis://h?timeout=1', /unknown parameter timeout for a standalone URL; known: username/],
    [`redis://h?sentinelPassword=${SECRET}`, /unknown parameter sentinelPassword/],
    [`redis+cluster://h?db=1`, /unknown parameter db for a cluster URL/],
    ['redis://h/1?db=2', /db given both in the path and as \?db=/],
    [`redis://:${SECRET}@h?password=${SECRET}`, /password given both before the host/],
    ['redis://h?family=5', /family must be 4 or 6/],
    ['redis://h?db=1&db=1', /parameter db given twice/],
    ['redis://u:%zz@h', /password holds a % that does not start a valid escape/],
    ['redis://h#frag', /a fragment/],
    ['redis://h 1', /white space/],
    [`redis://:se/${SECRET}@h:6379`, /a '\/' in a user name or password must be percent-encoded/],
  ])('rejects %j: %s', (url, reason) => {
    let error: unknown;
    try {
      parseRedisUrl(url);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, code } = error as ConfigError;
    expect(code).toBe('INVALID_REDIS_URL');
    expect(message).toMatch(reason);
    expect(message).toContain(`invalid Redis URL ${maskUrl(url)}`);
    expect(message).toContain('expected redis://host:port[/db], redis+cluster://');
    expect(message).not.toContain(SECRET);
  });
});
