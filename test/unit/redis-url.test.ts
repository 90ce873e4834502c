import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Cluster, Redis } from 'ioredis';
import { ConfigError } from '../../src/errors/config-error';
import { createRedis } from '../../src/cli/connect';
import { CliError } from '../../src/cli/cli-error';
import { ExitCode } from '../../src/cli/exit-code';
import { addGlobalOptions, globalOptions, type GlobalOptions } from '../../src/cli/global-options';
import { createRedisClient, maskUrl } from '../../src/redis/redis-client';
import { parseRedisUrl, type RedisTarget } from '../../src/redis/redis-url';
import { readTlsMaterial } from '../../src/redis/tls-material';

const SECRET = 'Sup3r-s3cret';

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

describe('maskUrl on the new forms', () => {
  it.each([
    [`redis+cluster://u:${SECRET}@a:1,b:2`, 'redis+cluster://u:***@a:1,b:2'],
    [
      `rediss+sentinel://:${SECRET}@s1:1,s2:2/m?sentinelPassword=${SECRET}`,
      'rediss+sentinel://:***@s1:1,s2:2/m?sentinelPassword=***',
    ],
  ])('%s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });
});

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

const openssl = spawnSync('openssl', ['version'], { stdio: 'ignore' });
const opensslMissing = openssl.error || openssl.status !== 0;
if (opensslMissing) console.warn('skipping the TLS file tests: openssl is not installed');

describe('TLS files', () => {
  let dir: string;
  let cert: string;
  let key: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sau-tls-'));
    cert = join(dir, 'cert.pem');
    key = join(dir, 'key.pem');
    if (opensslMissing) return;
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=127.0.0.1',
      '-days',
      '1',
    ]);
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const withOpenssl = opensslMissing ? it.skip : it;

  it('gives nothing when no file is named', () => {
    expect(readTlsMaterial({})).toBeUndefined();
    expect(readTlsMaterial({ ca: '', cert: undefined })).toBeUndefined();
  });

  withOpenssl('reads a CA, a certificate and its key as PEM buffers', () => {
    const material = readTlsMaterial({ ca: cert, cert, key });
    expect(Object.keys(material ?? {}).sort()).toEqual(['ca', 'cert', 'key']);
    expect(material?.ca?.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(material?.key?.toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('names a file that cannot be read', () => {
    const missing = join(dir, 'missing.pem');
    expect(() => readTlsMaterial({ ca: missing })).toThrow(
      new ConfigError(`cannot read TLS CA file ${missing}: no such file`),
    );
    expect(() => readTlsMaterial({ ca: dir })).toThrow(/cannot read TLS CA file .*: EISDIR/);
  });

  withOpenssl('wants a certificate and its key together', () => {
    expect(() => readTlsMaterial({ cert })).toThrow(
      'TLS certificate file needs TLS key file too: a client certificate is useless without its private key',
    );
    expect(() => readTlsMaterial({ key })).toThrow(/^TLS key file needs TLS certificate file too/);
  });

  withOpenssl('refuses PEM that Node cannot use', () => {
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    expect(() => readTlsMaterial({ cert: garbage, key })).toThrow(
      /^unusable TLS material \(TLS certificate file .*garbage\.pem, TLS key file .*key\.pem\): /,
    );
  });

  describe('in the CLI', () => {
    function cliError(run: () => unknown): CliError {
      try {
        run();
      } catch (err) {
        if (err instanceof CliError) return err;
        throw err;
      }
      throw new Error('no error thrown');
    }

    it('names the option of a file that cannot be read (exit 2)', () => {
      const missing = join(dir, 'nope.pem');
      const err = cliError(() => createRedis('rediss://h', { ca: missing }));
      expect(err.exitCode).toBe(ExitCode.USAGE);
      expect(err.message).toBe(`cannot read --tls-ca ${missing}: no such file`);
    });

    withOpenssl('refuses TLS files for a URL without TLS (exit 2)', () => {
      const err = cliError(() => createRedis(`redis://:${SECRET}@h`, { ca: cert }));
      expect(err.exitCode).toBe(ExitCode.USAGE);
      expect(err.message).toBe(
        '--tls-ca given, but redis://:***@h does not use TLS: use a rediss:// URL (or rediss+cluster://, rediss+sentinel://)',
      );
    });

    withOpenssl('opens a lazy client with the material for a rediss URL', async () => {
      const redis = createRedis('rediss+cluster://a:1,b:2', { ca: cert, cert, key });
      expect(redis.client).toBeInstanceOf(Cluster);
      const options = (redis.client as Cluster).options.redisOptions;
      expect(Object.keys(options?.tls ?? {}).sort()).toEqual(['ca', 'cert', 'key']);
      await redis.close();
    });

    it('turns a malformed URL into a usage error without the password', () => {
      const err = cliError(() => createRedis(`redis+sentinel://u:${SECRET}@s1`));
      expect(err.exitCode).toBe(ExitCode.USAGE);
      expect(err.message).toMatch(
        /^invalid Redis URL redis\+sentinel:\/\/u:\*\*\*@s1: no master name/,
      );
      expect(err.message).not.toContain(SECRET);
    });

    it('reads --tls-ca / --tls-cert / --tls-key, or SAU_TLS_CA / SAU_TLS_CERT / SAU_TLS_KEY', async () => {
      const parse = async (argv: string[]): Promise<GlobalOptions> => {
        let seen: GlobalOptions | undefined;
        const program = addGlobalOptions(new Command()).exitOverride();
        program.command('probe').action((_options: unknown, command: Command) => {
          seen = globalOptions(command);
        });
        await program.parseAsync(['node', 'sau-cli', ...argv]);
        if (!seen) throw new Error('probe did not run');
        return seen;
      };
      const saved = { ...process.env };
      try {
        for (const name of ['SAU_TLS_CA', 'SAU_TLS_CERT', 'SAU_TLS_KEY']) delete process.env[name];
        expect((await parse(['probe'])).tls).toEqual({});
        expect(
          (await parse(['--tls-ca', '/ca.pem', 'probe', '--tls-cert', '/c.pem', '--tls-key', '/k']))
            .tls,
        ).toEqual({ ca: '/ca.pem', cert: '/c.pem', key: '/k' });
        process.env.SAU_TLS_CA = '/env-ca.pem';
        process.env.SAU_TLS_KEY = '/env-key.pem';
        expect((await parse(['probe', '--tls-key', '/flag-key.pem'])).tls).toEqual({
          ca: '/env-ca.pem',
          key: '/flag-key.pem',
        });
      } finally {
        process.env = saved;
      }
    });
  });
});
