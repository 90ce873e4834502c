import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a throw-away CA and what it signed, in a temp dir removed by `remove()`. */
export interface TestCertificates {
  dir: string;
  /** The CA certificate clients trust. */
  caFile: string;
  ca: Buffer;
  /** Server certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1) and its key. */
  serverCertFile: string;
  serverKeyFile: string;
  /** Client certificate (extendedKeyUsage clientAuth) and key, for mutual TLS. */
  clientCertFile: string;
  clientKeyFile: string;
  remove(): void;
}

/** Why certificates cannot be made here (no openssl), or undefined when they can. */
export function opensslMissing(): string | undefined {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return `openssl is not available (${probe.error?.message ?? probe.stderr.trim()})`;
  }
  return undefined;
}

function openssl(dir: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    throw new Error(
      `openssl ${args[0]} failed: ${run.error?.message ?? run.stderr.trim() ?? run.status}`,
    );
  }
}

/**
 * A CA valid for a day, a server certificate for 127.0.0.1 and a client certificate, all signed by
 * that CA (EC P-256 keys: fast to generate). Node checks the server's IP against subjectAltName,
 * never the CN, so the IP entry is what makes `rediss://127.0.0.1` verify.
 */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'sau-tls-'));
  try {
    const key = (name: string) =>
      openssl(dir, [
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-out',
        name,
      ]);
    key('ca.key');
    openssl(dir, [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-sha256',
      '-days',
      '1',
      '-subj',
      '/CN=sau-monitor test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      'ca.crt',
    ]);
    const signed = (name: string, subject: string, extensions: string) => {
      key(`${name}.key`);
      openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
      writeFileSync(join(dir, `${name}.ext`), extensions);
      openssl(dir, [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-sha256',
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      ]);
    };
    signed(
      'server',
      '/CN=127.0.0.1',
      'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
    );
    signed(
      'client',
      '/CN=sau-monitor test client',
      'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n',
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const caFile = join(dir, 'ca.crt');
  return {
    dir,
    caFile,
    ca: readFileSync(caFile),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
