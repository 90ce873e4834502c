import { ConfigError } from '../errors/config-error';
import { maskConnectionString, passwordParts } from './mask-url';

/** How the nodes of a connection string are used. */
export type RedisTopology = 'standalone' | 'cluster' | 'sentinel';

export interface RedisEndpoint {
  host: string;
  port: number;
}

/**
 * What a connection string says, before any client exists: the library and the CLI both build
 * their clients from this, so a URL means the same thing to both.
 */
export interface RedisTarget {
  topology: RedisTopology;
  /** `rediss…` schemes: every connection (nodes, master, sentinels) goes over TLS. */
  tls: boolean;
  /** The server (standalone), the startup nodes (cluster) or the sentinels (sentinel). */
  nodes: RedisEndpoint[];
  username?: string;
  password?: string;
  /** Database number; a Cluster has only database 0. */
  db?: number;
  /** IP family for DNS lookups (`?family=6`). */
  family?: 4 | 6;
  /** Sentinel only: the master group the sentinels are asked for. */
  masterName?: string;
  /** Sentinel only: credentials of the sentinels themselves, when they differ from the master's. */
  sentinelUsername?: string;
  sentinelPassword?: string;
}

/** The accepted forms, quoted in every error so a user can fix the string without the README. */
export const REDIS_URL_FORMS =
  'redis://host:port[/db], redis+cluster://h1:p1,h2:p2 or ' +
  'redis+sentinel://s1:p1,s2:p2/<masterName>[/db], with user:password@ before the hosts if needed, ' +
  'rediss… for TLS';

interface Scheme {
  tls: boolean;
  /** `auto`: one node is standalone, several are a Cluster. */
  topology: RedisTopology | 'auto';
}

const SCHEMES: Record<string, Scheme> = {
  redis: { tls: false, topology: 'auto' },
  rediss: { tls: true, topology: 'auto' },
  'redis+cluster': { tls: false, topology: 'cluster' },
  'rediss+cluster': { tls: true, topology: 'cluster' },
  'redis+sentinel': { tls: false, topology: 'sentinel' },
  'rediss+sentinel': { tls: true, topology: 'sentinel' },
};

/** How the parser of one URL reports a problem without ever printing part of a password. */
interface Problems {
  /** Throws the ConfigError of the URL; typed so that TypeScript knows it never returns. */
  fail: Fail;
  /**
   * A piece of the URL as a reason may quote it, or `…` when it may be part of a password: a raw
   * `?`, `#` or `&` in a password makes the parser cut it up and misread the pieces.
   */
  quote: (fragment: string | number) => string;
}

type Fail = (reason: string) => never;

const DEFAULT_PORT = 6379;
const DEFAULT_SENTINEL_PORT = 26379;
/** Redis's own limit is the `databases` setting; 16 is its default, but any may be configured. */
const MAX_DB = 1_000_000;

const QUERY_PARAMETERS: Record<RedisTopology, readonly string[]> = {
  standalone: ['username', 'password', 'db', 'family'],
  cluster: ['username', 'password', 'family'],
  sentinel: ['username', 'password', 'db', 'family', 'sentinelUsername', 'sentinelPassword'],
};

/**
 * Parses a Redis connection string (see REDIS_URL_FORMS). Throws a ConfigError naming the URL
 * with its passwords masked. Reserved characters in a user name, password or master name must be
 * percent-encoded, except a raw `@` in the password, which is read as far as the last `@`.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const problems = urlProblems(url);
  const fail: Fail = problems.fail;
  if (typeof url !== 'string' || url.trim() === '') fail('it is empty');
  if (/\s/.test(url)) fail('it contains white space');
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!schemeMatch) fail('it does not start with a scheme such as redis://');
  const schemeName = schemeMatch[1].toLowerCase();
  const scheme = SCHEMES[schemeName];
  if (!scheme) fail(`unknown scheme ${schemeName}://`);

  let rest = url.slice(schemeMatch[0].length);
  if (rest.includes('#')) {
    fail(
      rest.indexOf('#') < rest.lastIndexOf('@')
        ? "a '#' in a user name or password must be percent-encoded as %23"
        : 'a fragment (#…) means nothing here; percent-encode # as %23',
    );
  }
  const queryAt = rest.indexOf('?');
  const query = queryAt === -1 ? '' : rest.slice(queryAt + 1);
  // `redis://:pa?ss@h`: an `@` after the `?` that ends no `name=value` is a raw `?` in a password.
  if (/^[^=&]*@/.test(query) && !rest.slice(0, queryAt).includes('@')) {
    fail("a '?' in a user name or password must be percent-encoded as %3F");
  }
  rest = queryAt === -1 ? rest : rest.slice(0, queryAt);
  // As in WHATWG URLs, the authority ends at the first `/`, and credentials end at its last `@`.
  const pathAt = rest.indexOf('/');
  const authority = pathAt === -1 ? rest : rest.slice(0, pathAt);
  const path = pathAt === -1 ? '' : rest.slice(pathAt);
  const credentialsAt = authority.lastIndexOf('@');
  // An `@` past the first `/` means a raw `/` in the credentials: say so without quoting any part
  // of them (the host "fragment" would be a piece of the password).
  if (credentialsAt === -1 && path.includes('@')) {
    fail("a '/' in a user name or password must be percent-encoded as %2F");
  }
  const credentials = credentialsAt === -1 ? undefined : authority.slice(0, credentialsAt);
  const hostList = authority.slice(credentialsAt + 1);

  const defaultPort = scheme.topology === 'sentinel' ? DEFAULT_SENTINEL_PORT : DEFAULT_PORT;
  if (hostList === '') fail('no host');
  const nodes = hostList.split(',').map((text) => parseEndpoint(text, defaultPort, problems));
  const topology: RedisTopology =
    scheme.topology === 'auto' ? (nodes.length > 1 ? 'cluster' : 'standalone') : scheme.topology;

  const target: RedisTarget = { topology, tls: scheme.tls, nodes };
  if (credentials !== undefined) {
    const colon = credentials.indexOf(':');
    const user = decode(
      colon === -1 ? credentials : credentials.slice(0, colon),
      'user name',
      problems,
    );
    if (user !== '') target.username = user;
    if (colon !== -1) target.password = decode(credentials.slice(colon + 1), 'password', problems);
  }
  readPath(target, path, problems);
  readQuery(target, query, problems);
  return target;
}

function urlProblems(url: string): Problems {
  const secrets = typeof url === 'string' ? passwordParts(url) : [];
  let hidden = false;
  return {
    fail: (reason) => {
      const hint = hidden
        ? ' (… stands for what may be part of a password: percent-encode its reserved characters, %23 for #, %3F for ?, %26 for &, %2F for /)'
        : '';
      throw new ConfigError(
        `invalid Redis URL ${maskConnectionString(String(url))}: ${reason}${hint}; expected ${REDIS_URL_FORMS}`,
        'INVALID_REDIS_URL',
      );
    },
    quote: (fragment) => {
      const text = String(fragment);
      if (!secrets.some((secret) => text.includes(secret) || secret.includes(text))) return text;
      hidden = true;
      return '…';
    },
  };
}

function parseEndpoint(text: string, defaultPort: number, problems: Problems): RedisEndpoint {
  const { fail, quote }: Problems = problems;
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d*))?$/i.exec(text);
  if (!match) {
    return fail(
      text === '' ? 'an empty host in the list' : `cannot read host:port "${quote(text)}"`,
    );
  }
  const host = match[1] ?? match[2];
  if (match[3] === undefined || match[3] === '') {
    if (match[3] === '') fail(`no port after "${quote(host)}:"`);
    return { host, port: defaultPort };
  }
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`port ${quote(match[3])} of ${quote(host)} is not between 1 and 65535`);
  }
  return { host, port };
}

function readPath(target: RedisTarget, path: string, problems: Problems): void {
  const { fail, quote }: Problems = problems;
  const parts = path.split('/').slice(1);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (target.topology === 'sentinel') {
    const [name, db, ...extra] = parts;
    if (name === undefined || name === '')
      fail('no master name: add /<masterName> after the sentinels');
    if (extra.length > 0) fail(`unexpected path after the database: /${quote(extra.join('/'))}`);
    target.masterName = decode(name, 'master name', problems);
    if (db !== undefined) target.db = parseDb(db, problems);
    return;
  }
  if (parts.length > 1)
    fail(`unexpected path /${quote(parts.join('/'))}; only a database number may follow the host`);
  if (parts.length === 1) target.db = parseDb(parts[0], problems);
  if (target.topology === 'cluster' && target.db !== undefined && target.db !== 0) {
    fail(`a Redis Cluster has only database 0, not ${quote(target.db)}`);
  }
}

function readQuery(target: RedisTarget, query: string, problems: Problems): void {
  const { fail, quote }: Problems = problems;
  if (query === '') return;
  const allowed = QUERY_PARAMETERS[target.topology];
  const seen = new Set<string>();
  // Not URLSearchParams: it reads `+` as a space, and `+` is common in passwords.
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq), 'parameter name', problems);
    if (!allowed.includes(name)) {
      fail(
        `unknown parameter ${quote(name)} for a ${target.topology} URL; known: ${allowed.join(', ')}`,
      );
    }
    const value = decode(eq === -1 ? '' : pair.slice(eq + 1), `value of ${name}`, problems);
    if (seen.has(name)) fail(`parameter ${name} given twice`);
    seen.add(name);
    switch (name) {
      case 'username':
      case 'password':
      case 'sentinelUsername':
      case 'sentinelPassword':
        if (target[name] !== undefined) fail(`${name} given both before the host and as ?${name}=`);
        target[name] = value;
        break;
      case 'db': {
        if (target.db !== undefined) fail('db given both in the path and as ?db=');
        target.db = parseDb(value, problems);
        break;
      }
      case 'family':
        if (value !== '4' && value !== '6') fail(`family must be 4 or 6, not "${quote(value)}"`);
        target.family = value === '4' ? 4 : 6;
        break;
    }
  }
}

function parseDb(text: string, problems: Problems): number {
  const { fail, quote }: Problems = problems;
  if (!/^\d{1,7}$/.test(text) || Number(text) > MAX_DB) {
    fail(`database "${quote(text)}" is not a database number`);
  }
  return Number(text);
}

function decode(text: string, what: string, { fail }: Problems): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(`the ${what} holds a % that does not start a valid escape (write % as %25)`);
  }
}
