import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, expectOneLineFailure, runCli } from './run-cli';

// No Redis is needed: every one of these fails before or at the connection.
const NOWHERE = 'redis://127.0.0.1:1';

describe('sau-cli failures', () => {
  beforeAll(assertBuilt);

  it('an unknown window is a usage error (exit 2)', async () => {
    const line = expectOneLineFailure(
      await runCli(['--redis-url', NOWHERE, 'stats', '--window', 'year']),
      2,
    );
    expect(line).toContain("'year'");
    expect(line).toContain('now, day, week, month');
  });

  it.each([
    ['2026-02-30', 'does not exist'],
    ['yesterday', 'is not YYYY-MM-DD'],
    ['2026-1-5', 'is not YYYY-MM-DD'],
  ])('a bad date %s is a usage error', async (date, why) => {
    const line = expectOneLineFailure(
      await runCli(['--redis-url', NOWHERE, 'stats', '--window', 'day', '--date', date]),
      2,
    );
    expect(line).toContain(date);
    expect(line).toContain(why);
  });

  it.each(['0', '5x', '-1s', '50ms'])('a bad interval %s is a usage error', async (interval) => {
    const line = expectOneLineFailure(
      await runCli(['--redis-url', NOWHERE, 'stats', '--watch', '--interval', interval]),
      2,
    );
    expect(line).toContain('--interval');
  });

  it('an unknown time zone, namespace, option or command is a usage error', async () => {
    expect(expectOneLineFailure(await runCli(['--timezone', 'Mars/Base', 'stats']), 2)).toContain(
      'Mars/Base',
    );
    expect(expectOneLineFailure(await runCli(['--namespace', 'a{b', 'stats']), 2)).toContain('a{b');
    expect(expectOneLineFailure(await runCli(['stats', '--bogus']), 2)).toContain('--bogus');
    expect(expectOneLineFailure(await runCli(['frobnicate']), 2)).toContain('frobnicate');
    expect(expectOneLineFailure(await runCli(['demo', '--duration', '0']), 2)).toContain(
      '--duration',
    );
    expect(expectOneLineFailure(await runCli(['demo', '--instances', '0']), 2)).toContain(
      '--instances',
    );
  });

  it("a near miss of a command or option gets commander's suggestion, on the one line", async () => {
    expect(expectOneLineFailure(await runCli(['stat']), 2)).toBe(
      "sau-cli: unknown command 'stat' (Did you mean stats?)",
    );
    expect(expectOneLineFailure(await runCli(['stats', '--windw', 'day']), 2)).toBe(
      "sau-cli: unknown option '--windw' (Did you mean --window?)",
    );
  });

  it('unreachable Redis fails at once with one line (exit 3)', async () => {
    const result = await runCli(['--redis-url', NOWHERE, 'stats']);
    const line = expectOneLineFailure(result, 3);
    expect(line).toBe(
      `sau-cli: cannot reach Redis at ${NOWHERE}: connect ECONNREFUSED 127.0.0.1:1`,
    );
    // Guards against a retry loop, not a benchmark: ioredis alone would retry for ever.
    expect(result.ms).toBeLessThan(10_000);
  });

  it('never prints the password of the Redis URL', async () => {
    const secret = 's3cret-Pa55';
    for (const [args, env] of [
      [['--redis-url', `redis://admin:${secret}@127.0.0.1:1`, 'stats'], {}],
      [['stats'], { REDIS_URL: `redis://admin:${secret}@127.0.0.1:1/0` }],
      [['--redis-url', `redis://:${secret}@127.0.0.1:1`, 'demo', '--duration', '2s'], {}],
    ] as const) {
      const line = expectOneLineFailure(await runCli([...args], { ...env }), 3);
      expect(line).not.toContain(secret);
      expect(line).toMatch(/redis:\/\/(admin)?:\*\*\*@127\.0\.0\.1:1/);
    }
    for (const url of [
      `redis://admin:p@${secret}@127.0.0.1:1`,
      `redis://127.0.0.1:1?password=${secret}`,
    ]) {
      const line = expectOneLineFailure(await runCli(['--redis-url', url, 'stats']), 3);
      expect(line).not.toContain(secret);
      expect(line).toContain('***');
    }
  });

  it('--help and --version exit 0; no command prints help and exits 2', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--redis-url <url>');
    expect(help.stdout).toContain('env: REDIS_URL');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(version.stdout.trim()).toBe(pkg.version);
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: sau-cli');
  });
});
