import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import { ConfigError } from '../errors/config-error';

/** Paths of PEM files: a CA to trust, and a client certificate with its key (mutual TLS). */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/** How each file is named in errors; the CLI passes its option names. */
export type TlsFileLabels = Record<keyof TlsFiles, string>;

const LIBRARY_LABELS: TlsFileLabels = {
  ca: 'TLS CA file',
  cert: 'TLS certificate file',
  key: 'TLS key file',
};

/**
 * Reads the PEM files into the `tls` options of a Node connection, or undefined when no file is
 * given. Checked now, not at the first connection: an unreadable file, a certificate without its
 * key, or PEM that Node cannot use is a ConfigError naming the file, where a TLS handshake would
 * fail later with a far vaguer message.
 */
export function readTlsMaterial(
  files: TlsFiles,
  labels: TlsFileLabels = LIBRARY_LABELS,
): ConnectionOptions | undefined {
  const given = (Object.keys(labels) as (keyof TlsFiles)[]).filter(
    (kind) => files[kind] !== undefined && files[kind] !== '',
  );
  if (given.length === 0) return undefined;
  if ((files.cert && !files.key) || (files.key && !files.cert)) {
    throw new ConfigError(
      `${files.cert ? labels.cert : labels.key} needs ${files.cert ? labels.key : labels.cert} too: a client certificate is useless without its private key`,
      'INVALID_TLS',
    );
  }
  const material: ConnectionOptions = {};
  for (const kind of given) {
    const path = files[kind] as string;
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
      throw new ConfigError(`cannot read ${labels[kind]} ${path}: ${reason}`, 'INVALID_TLS');
    }
    material[kind] = pem;
  }
  if (material.ca) assertCertificates(material.ca as Buffer, `${labels.ca} ${files.ca}`);
  try {
    createSecureContext(material);
  } catch (err) {
    throw new ConfigError(
      `unusable TLS material (${given.map((kind) => `${labels[kind]} ${files[kind]}`).join(', ')}): ${(err as Error).message}`,
      'INVALID_TLS',
    );
  }
  return material;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * A CA file must hold certificates, every one readable. Node takes what it can of a CA and skips
 * the rest without a word, so a wrong file (a key, a DER file, any text) would only show as a
 * handshake that fails against a server whose certificate nothing vouches for.
 */
function assertCertificates(pem: Buffer, named: string): void {
  const blocks = pem.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw new ConfigError(`${named} holds no PEM certificate`, 'INVALID_TLS');
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new ConfigError(
        `${named}: certificate ${i + 1} of ${blocks.length} cannot be read (${(err as Error).message})`,
        'INVALID_TLS',
      );
    }
  });
}
