import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { SauReader, SessionMonitor } from '../../src';
import type { SauError } from '../../src/errors/sau-error';
import { startPrivateRedis, type PrivateRedis } from '../../src/redis/private-redis-server';
import { uniqueNamespace } from '../support/redis-server';
import { makeTestCertificates, opensslMissing, type TestCertificates } from '../support/tls-certs';
import { assertBuilt, jsonLines, runCli } from '../cli/run-cli';

/** `rediss://` end to end: a redis-server that only speaks TLS, with a CA made for this run. */

jest.setTimeout(60_000);

/** Why a TLS server cannot run here, or the server; throws on any other failure. */
type Started = { server: PrivateRedis } | { skipped: string };

/**
 * redis-server with only a TLS port (`--port 0`), so anything that talks to it talked TLS.
 * `authClients`: `optional` verifies a client certificate when one is shown, `yes` demands one.
 */
async function startTlsRedis(
  certs: TestCertificates,
  authClients: 'optional' | 'yes',
): Promise<Started> {
  try {
    const server = await startPrivateRedis({
      dirPrefix: 'sau-tls-redis-',
      args: [
        '--tls-cert-file',
        certs.serverCertFile,
        '--tls-key-file',
        certs.serverKeyFile,
        '--tls-ca-cert-file',
        certs.caFile,
        '--tls-auth-clients',
        authClients,
      ],
      // With the client certificate, so the readiness PING also gets in where one is demanded.
      tls: {
        ca: certs.ca,
        cert: readFileSync(certs.clientCertFile),
        key: readFileSync(certs.clientKeyFile),
      },
    });
    return { server };
  } catch (err) {
    const { code, message } = err as Error & { code?: string };
    if (code === 'ENOENT') return { skipped: `cannot start redis-server: ${message}` };
    // A redis-server built without TLS rejects the tls-* options at startup.
    if (code === 'EXITED' && /tls/i.test(message) && !/Address already in use/i.test(message)) {
      return { skipped: `redis-server refused the TLS options: ${message}` };
    }
    throw err;
  }
}

describe('rediss:// (TLS)', () => {
  let certs: TestCertificates | undefined;
  let server: PrivateRedis | undefined;
  let skipped: string | undefined;

  beforeAll(async () => {
    assertBuilt();
    skipped = opensslMissing();
    if (skipped) return;
    certs = makeTestCertificates();
    const started = await startTlsRedis(certs, 'optional');
    if ('skipped' in started) skipped = started.skipped;
    else server = started.server;
  });
  afterAll(async () => {
    await server?.stop();
    certs?.remove();
  });

  /** True (after printing why) when this machine cannot run the TLS tests. */
  function skip(): boolean {
    if (skipped) process.stdout.write(`[tls] skipped: ${skipped}\n`);
    return skipped !== undefined;
  }

  it('a SessionMonitor and a SauReader count exactly over TLS, trusting the test CA', async () => {
    if (skip()) return;
    const namespace = uniqueNamespace('tls');
    const monitorClient = new Redis(server!.url, { tls: { ca: certs!.ca } });
    const monitor = new SessionMonitor({ redis: monitorClient, namespace, instanceId: 'tls-1' });
    const errors: SauError[] = [];
    monitor.on('error', (err: SauError) => errors.push(err));
    // The options form: what a caller without its own client passes.
    const reader = new SauReader({
      redis: { host: '127.0.0.1', port: server!.port, tls: { ca: certs!.ca } },
      namespace,
    });
    try {
      await monitor.start();
      for (let i = 0; i < 5; i++) {
        monitor.open({ id: `s${i}` });
        if (i < 4) monitor.login(`s${i}`, `u${i % 3}`);
      }
      monitor.logout('s3');
      monitor.close('s4');
      await monitor.flush();
      const stats = await reader.stats({ window: 'day' });
      // s0-s3 live; u0, u1, u2 logged in (s3 logged out: anonymous); 5 opened, 4 logins today.
      expect(stats.now).toEqual({ users: 3, sessions: 4, anonymousSessions: 1, instances: 1 });
      expect(stats.day).toMatchObject({ activeUsers: 3, sessions: 5, logins: 4, exact: true });
      await monitor.stop();
      expect((await reader.stats()).now).toEqual({
        users: 0,
        sessions: 0,
        anonymousSessions: 0,
        instances: 0,
      });
      expect(errors).toEqual([]);
    } finally {
      await monitor.stop().catch(() => undefined);
      await reader.close();
      if (monitorClient.status === 'ready') await monitorClient.quit();
      else monitorClient.disconnect();
    }
  });

  it('sau-cli reads over rediss:// with --tls-ca, and refuses a server it cannot verify (exit 3)', async () => {
    if (skip()) return;
    const namespace = uniqueNamespace('tls-cli');
    const writer = new Redis(server!.url, { tls: { ca: certs!.ca } });
    const monitor = new SessionMonitor({ redis: writer, namespace, instanceId: 'tls-cli-1' });
    try {
      await monitor.start();
      for (let i = 0; i < 7; i++) monitor.open({ id: `c${i}` });
      for (let i = 0; i < 7; i += 2) monitor.login(`c${i}`, `user-${i}`);
      await monitor.flush();

      const trusted = await runCli([
        '--redis-url',
        server!.url,
        '--tls-ca',
        certs!.caFile,
        '--namespace',
        namespace,
        '--json',
        'stats',
        '--window',
        'day',
      ]);
      expect(trusted.stderr).toBe('');
      expect(trusted.code).toBe(0);
      const stats = jsonLines(trusted.stdout)[0] as {
        now: Record<string, number>;
        day: Record<string, unknown>;
      };
      expect(stats.now).toEqual({ users: 4, sessions: 7, anonymousSessions: 3, instances: 1 });
      expect(stats.day).toMatchObject({ activeUsers: 4, sessions: 7, logins: 4 });

      // The same URL without the CA: Node does not trust the test CA, so the handshake fails.
      const untrusted = await runCli([
        '--redis-url',
        server!.url,
        '--namespace',
        namespace,
        '--json',
        'stats',
      ]);
      expect(untrusted.code).toBe(3);
      expect(untrusted.stdout).toBe('');
      expect(untrusted.stderr).toMatch(
        /^sau-cli: cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+: .*(self[- ]signed certificate|unable to get local issuer certificate|unable to verify).*\n$/,
      );
      expect(untrusted.ms).toBeLessThan(10_000);
    } finally {
      await monitor.stop().catch(() => undefined);
      if (writer.status === 'ready') await writer.quit();
      else writer.disconnect();
    }
  });

  it('mutual TLS: a server that demands a client certificate takes --tls-cert/--tls-key', async () => {
    if (skip()) return;
    const started = await startTlsRedis(certs!, 'yes');
    if ('skipped' in started) {
      process.stdout.write(`[tls] skipped: ${started.skipped}\n`);
      return;
    }
    const strict = started.server;
    try {
      const base = ['--redis-url', strict.url, '--tls-ca', certs!.caFile, '--json'];
      const withoutCert = await runCli([...base, 'stats']);
      expect(withoutCert.code).toBe(3);
      expect(withoutCert.stderr).toMatch(
        /^sau-cli: cannot reach Redis at [^\n]*certificate required[^\n]*\n$/,
      );

      const namespace = uniqueNamespace('mtls');
      const withCert = await runCli([
        ...base,
        '--tls-cert',
        certs!.clientCertFile,
        '--tls-key',
        certs!.clientKeyFile,
        '--namespace',
        namespace,
        'stats',
      ]);
      // Connected and read: the only line on stderr is that this new Redis holds no data.
      expect(withCert.stderr).toBe(
        `sau-cli: warning: namespace ${namespace} has no data at all (a typo?); no namespace holds data on this Redis\n`,
      );
      expect(withCert.code).toBe(0);
      expect((jsonLines(withCert.stdout)[0] as { now: unknown }).now).toEqual({
        users: 0,
        sessions: 0,
        anonymousSessions: 0,
        instances: 0,
      });
    } finally {
      await strict.stop();
    }
  });
});
