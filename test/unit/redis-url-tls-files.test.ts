// TLS files: reading a CA, certificate and key for rediss URLs (readTlsMaterial), and the CLI's
// --tls-ca / --tls-cert / --tls-key options and their errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Cluster } from 'ioredis';
import { ConfigError } from '../../src/errors/config-error';
import { createRedis } from '../../src/cli/connect';
import { CliError } from '../../src/cli/cli-error';
import { ExitCode } from '../../src/cli/exit-code';
import { addGlobalOptions, globalOptions, type GlobalOptions } from '../../src/cli/global-options';
import { readTlsMaterial } from '../../src/redis/tls-material';
import { SECRET } from '../support/redis-url-secret';

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

  withOpenssl(
    'refuses a CA file without a readable certificate, which Node would skip unsaid',
    () => {
      expect(() => readTlsMaterial({ ca: key })).toThrow(
        new ConfigError(`TLS CA file ${key} holds no PEM certificate`),
      );
      const text = readFileSync(cert, 'latin1');
      const lines = text.split('\n');
      // Half the certificate's body gone: still PEM, no longer a certificate.
      lines.splice(3, 8);
      const garbled = join(dir, 'garbled-ca.pem');
      writeFileSync(garbled, `${text}${lines.join('\n')}`);
      expect(() => readTlsMaterial({ ca: garbled })).toThrow(
        /^TLS CA file .*garbled-ca\.pem: certificate 2 of 2 cannot be read \(/,
      );
      // A bundle of good certificates is taken whole.
      const bundle = join(dir, 'bundle.pem');
      writeFileSync(bundle, `${text}${text}`);
      expect(readTlsMaterial({ ca: bundle })?.ca?.toString()).toBe(`${text}${text}`);
    },
  );

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
