import fc from 'fast-check';
import { isIP } from 'node:net';
import { USER_AGENTS } from '../../src/demo/user-agents';
import { ADDRESS_MODES, protectAddress, type AddressMode } from '../../src/privacy/address-mode';
import {
  clientAddressOf,
  normalizeAddress,
  type HttpHeaders,
} from '../../src/privacy/client-address';
import type { ClientInfo } from '../../src/ua/client-info';
import { UserAgentClassifier } from '../../src/ua/user-agent-classifier';

// What may never reach a sorted-set member: controls (separators included), DEL, `|`, and lone
// surrogates (with the `u` flag a surrogate range only matches unpaired halves).
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const FORBIDDEN = /[\u0000-\u001f\u007f|\ud800-\udfff]/u;
const DEVICE_TYPES = new Set(['browser', 'mobile-app', 'desktop-app', 'bot', 'unknown']);
const REAL_AGENTS = USER_AGENTS.map((profile) => profile.userAgent).concat([
  'RC Mobile; iOS 12.2; v3.4.0 (250)',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/8.5.0',
]);

const FIELDS = ['clientName', 'clientVersion', 'deviceType', 'osName', 'osVersion'];

/** What is wrong with a label, or undefined. One `expect` per run keeps thousands of runs fast. */
function labelProblem(label: unknown): string | undefined {
  if (typeof label !== 'string') return `not a string: ${typeof label}`;
  if (label.length > 32) return `${label.length} characters`;
  if (FORBIDDEN.test(label)) return `forbidden character in ${JSON.stringify(label)}`;
  if (label !== label.trim()) return `untrimmed ${JSON.stringify(label)}`;
  return undefined;
}

function infoProblems(info: ClientInfo): string[] {
  const problems: string[] = [];
  if (!DEVICE_TYPES.has(info.deviceType)) problems.push(`deviceType ${info.deviceType}`);
  const keys = Object.keys(info).sort().join();
  if (keys !== FIELDS.join()) problems.push(`fields ${keys}`);
  for (const field of ['osName', 'osVersion', 'clientName', 'clientVersion'] as const) {
    const problem = labelProblem(info[field]);
    if (problem !== undefined) problems.push(`${field}: ${problem}`);
  }
  return problems;
}

/** Arbitrary text: any UTF-16 code units, lone surrogates and controls included. */
const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const hostile = fc.constantFrom('|', '\u0000', '\u001e', '\u001f', '\u007f', '\ud800', '\n', ';');

/** Strings a parser has to survive: real agents mutated, app-shaped templates, bytes, floods. */
const userAgents: fc.Arbitrary<unknown> = fc.oneof(
  anyText(600),
  fc.string({ unit: 'binary-ascii', maxLength: 600 }),
  fc.uint8Array({ maxLength: 800 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.uint8Array({ maxLength: 800 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
  fc
    .tuple(fc.constantFrom(...REAL_AGENTS), fc.nat(), anyText(40), fc.array(hostile))
    .map(([agent, at, inserted, bad]) => {
      const cut = at % (agent.length + 1);
      return agent.slice(0, cut) + inserted + bad.join('') + agent.slice(cut);
    }),
  fc
    .tuple(anyText(20), anyText(20), anyText(60), anyText(10))
    .map(
      ([os, osVersion, version, build]) => `RC Mobile; ${os} ${osVersion}; v${version} (${build})`,
    ),
  fc
    .tuple(anyText(60), anyText(60))
    .map(
      ([app, version]) =>
        `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ${app}/9${version} Chrome/1 Electron/2 Safari/537.36`,
    ),
  fc
    .tuple(anyText(60), fc.constantFrom('bot', 'spider', 'crawler', 'Headless'))
    .map(([name, kind]) => `Mozilla/5.0 (compatible; ${name}${kind}/7${name})`),
  fc.anything(),
);

const floods = fc
  .tuple(
    anyText(8).filter((s) => s.length > 0),
    fc.integer({ min: 50_000, max: 110_000 }),
  )
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

const ipText = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4().map((ip) => `::ffff:${ip}`),
  fc.tuple(fc.ipV4(), fc.nat(70_000)).map(([ip, port]) => `${ip}:${port}`),
  fc.tuple(fc.ipV6(), fc.nat(70_000)).map(([ip, port]) => `[${ip}]:${port}`),
  fc.ipV6().map((ip) => ip.toUpperCase()),
  anyText(60),
);

const headerValue: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
  fc.array(ipText, { maxLength: 6 }).map((entries) => entries.join(', ')),
  fc.array(ipText, { maxLength: 4 }),
  anyText(200),
  fc.constant(undefined),
);

const headerSets: fc.Arbitrary<HttpHeaders | undefined> = fc.option(
  fc.dictionary(
    fc.oneof(fc.constantFrom('x-forwarded-for', 'X-Forwarded-For', 'forwarded'), anyText(20)),
    headerValue,
    { maxKeys: 5 },
  ),
  { nil: undefined },
);

const trustedProxies = fc.oneof(
  fc.integer({ min: -2, max: 8 }),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Infinity, Number.NaN),
);

/** What is wrong with an address clientAddressOf answered, or undefined. */
function addressProblem(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  if (isIP(address) === 0) return `not an IP: ${JSON.stringify(address)}`;
  if (address.length > 39) return `${address.length} characters`;
  if (FORBIDDEN.test(address)) return `forbidden character in ${JSON.stringify(address)}`;
  // Canonical: normalising again changes nothing, so equal clients are equal strings.
  if (normalizeAddress(address) !== address) return `not canonical: ${address}`;
  return undefined;
}

describe('fuzzing user agents and client addresses', () => {
  it('classify never throws and always returns clean labels', () => {
    const classifier = new UserAgentClassifier({ cacheSize: 64 });
    fc.assert(
      fc.property(userAgents, (userAgent) => {
        const info = classifier.classify(userAgent);
        expect(infoProblems(info)).toEqual([]);
        // Asked again (from the cache, or parsed again after an eviction): the same answer.
        const again = classifier.classify(userAgent);
        if (again !== info) expect(again).toEqual(info);
        expect(classifier.size).toBeLessThanOrEqual(64);
      }),
      { numRuns: 3000 },
    );
  });

  it('classify handles 100 KB floods by their first 512 characters', () => {
    const classifier = new UserAgentClassifier({ cacheSize: 8 });
    fc.assert(
      fc.property(floods, (flood) => {
        const info = classifier.classify(flood);
        expect(infoProblems(info)).toEqual([]);
        expect(classifier.classify(flood.slice(0, 512))).toEqual(info);
      }),
      { numRuns: 100 },
    );
  });

  it('clientAddressOf never throws and answers a canonical address or undefined', () => {
    fc.assert(
      fc.property(
        fc.option(ipText, { nil: undefined }),
        headerSets,
        trustedProxies,
        (remote, headers, proxies) => {
          const address = clientAddressOf(remote, headers, proxies);
          expect(addressProblem(address)).toBeUndefined();
          // Without trusted proxies the headers cannot change the answer.
          if (!(Number.isSafeInteger(proxies) && proxies > 0)) {
            expect(address).toBe(normalizeAddress(remote));
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('clientAddressOf picks the entry trustedProxies from the right', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 8 }),
        (entries, proxies) => {
          const headers = { 'x-forwarded-for': entries.join(' , ') };
          const expected = normalizeAddress(entries[Math.max(0, entries.length - proxies)]);
          expect(expected).toBeDefined();
          expect(clientAddressOf('10.0.0.1', headers, proxies)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('protectAddress never throws and keeps only what its mode allows', () => {
    const modes = fc.oneof(
      fc.constantFrom(...ADDRESS_MODES),
      anyText(10).map((mode) => mode as AddressMode),
    );
    fc.assert(
      fc.property(
        fc.option(ipText, { nil: undefined }),
        modes,
        fc.option(anyText(40), { nil: undefined }),
        (address, mode, secret) => {
          const kept = protectAddress(address, mode, secret);
          expect(typeof kept).toBe('string');
          if (kept === '') return;
          expect(addressProblem(mode === 'hash' ? undefined : kept)).toBeUndefined();
          switch (mode) {
            case 'full':
              expect(kept).toBe(normalizeAddress(address));
              break;
            case 'truncate':
              expect(kept.endsWith('.0') || kept.endsWith('::')).toBe(true);
              break;
            case 'hash':
              expect(kept).toMatch(/^[A-Za-z0-9_-]{16}$/);
              break;
            default:
              throw new Error(`mode ${JSON.stringify(mode)} kept ${JSON.stringify(kept)}`);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});
