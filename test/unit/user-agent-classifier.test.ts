import { ConfigError } from '../../src/errors';
import { UNKNOWN_CLIENT, type ClientInfo } from '../../src/ua/client-info';
import { sanitizeLabel } from '../../src/ua/sanitize-label';
import { MAX_USER_AGENT_LENGTH, UserAgentClassifier } from '../../src/ua/user-agent-classifier';

type Row = [label: string, userAgent: string, expected: ClientInfo];

const info = (
  deviceType: ClientInfo['deviceType'],
  clientName: string,
  clientVersion: string,
  osName: string,
  osVersion: string,
): ClientInfo => ({ deviceType, clientName, clientVersion, osName, osVersion });

const TABLE: Row[] = [
  [
    'Chrome on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    info('browser', 'Chrome', '124', 'Windows', '10'),
  ],
  [
    'Edge on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
    info('browser', 'Edge', '124', 'Windows', '10'),
  ],
  [
    'Firefox on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
    info('browser', 'Firefox', '125', 'Windows', '10'),
  ],
  [
    'Chrome on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    info('browser', 'Chrome', '124', 'Mac OS', '10.15.7'),
  ],
  [
    'Safari on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
    info('browser', 'Safari', '17', 'Mac OS', '10.15.7'),
  ],
  [
    'Firefox on Ubuntu',
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    info('browser', 'Firefox', '125', 'Ubuntu', ''),
  ],
  [
    'Opera on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0',
    info('browser', 'Opera', '109', 'Windows', '10'),
  ],
  [
    'Chrome on Android (still a browser)',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
    info('browser', 'Chrome', '124', 'Android', '10'),
  ],
  [
    'Samsung Internet on Android',
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
    info('browser', 'Samsung Internet', '24', 'Android', '14'),
  ],
  [
    'Firefox on Android',
    'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0',
    info('browser', 'Firefox', '125', 'Android', '14'),
  ],
  [
    'Safari on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
    info('browser', 'Mobile Safari', '17', 'iOS', '17.4.1'),
  ],
  [
    'Safari on iPad',
    'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    info('browser', 'Mobile Safari', '17', 'iOS', '17.4'),
  ],
  [
    'Chrome on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
    info('browser', 'Chrome', '124', 'iOS', '17.4'),
  ],
  [
    'RC Mobile on Android',
    'RC Mobile; Android 9; v4.0.0 (300)',
    info('mobile-app', 'RC Mobile', '4.0.0', 'Android', '9'),
  ],
  [
    'RC Mobile as React Native writes it (lower-case platform)',
    'RC Mobile; ios 16.1; v4.40.0 (1234)',
    info('mobile-app', 'RC Mobile', '4.40.0', 'iOS', '16.1'),
  ],
  [
    'Rocket.Chat desktop on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_1) AppleWebKit/537.36 (KHTML, like Gecko) Rocket.Chat/2.15.2 Chrome/69.0.3497.128 Electron/4.1.4 Safari/537.36',
    info('desktop-app', 'Rocket.Chat', '2.15.2', 'Mac OS', '10.14.1'),
  ],
  [
    'Rocket.Chat desktop on Linux',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Rocket.Chat/3.9.0 Chrome/114.0.5735.289 Electron/25.9.8 Safari/537.36',
    info('desktop-app', 'Rocket.Chat', '3.9.0', 'Linux', ''),
  ],
  [
    'Slack desktop (another Electron app)',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.36.140 Chrome/120.0.6099.199 Electron/28.1.3 Safari/537.36 Sonic Slack_SSB/4.36.140',
    info('desktop-app', 'Slack', '4.36.140', 'Mac OS', '10.15.7'),
  ],
  [
    'Electron app without a name of its own',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Electron/28.0.0 Safari/537.36',
    info('desktop-app', 'Electron', '28', 'Windows', '10'),
  ],
  [
    'Googlebot',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    info('bot', 'Googlebot', '2', '', ''),
  ],
  [
    'Googlebot smartphone',
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.201 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    info('bot', 'Googlebot', '2', 'Android', '6.0.1'),
  ],
  ['curl', 'curl/8.5.0', info('bot', 'curl', '8', '', '')],
  ['Wget', 'Wget/1.21.4', info('bot', 'Wget', '1', '', '')],
  ['python-requests', 'python-requests/2.31.0', info('bot', 'python-requests', '2', '', '')],
  ['Go-http-client', 'Go-http-client/1.1', info('bot', 'Go-http-client', '1', '', '')],
  [
    'the demo integration bot (node-fetch)',
    'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
    info('bot', 'node-fetch', '1', '', ''),
  ],
  [
    'HeadlessChrome',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    info('bot', 'HeadlessChrome', '120', 'Linux', ''),
  ],
  [
    'Baiduspider',
    'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
    info('bot', 'Baiduspider', '2', '', ''),
  ],
  [
    'a CUBOT phone is not a bot',
    'Mozilla/5.0 (Linux; Android 9; CUBOT_X20) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.92 Mobile Safari/537.36',
    info('browser', 'Chrome', '96', 'Android', '9'),
  ],
];

describe('UserAgentClassifier', () => {
  const classifier = new UserAgentClassifier();

  it("reads Rocket.Chat's mobile app as Rocket.Chat does", () => {
    expect(classifier.classify('RC Mobile; iOS 12.2; v3.4.0 (250)')).toEqual({
      deviceType: 'mobile-app',
      clientName: 'RC Mobile',
      clientVersion: '3.4.0',
      osName: 'iOS',
      osVersion: '12.2',
    });
  });

  it("reads Rocket.Chat's Electron desktop app with the OS of its user agent", () => {
    expect(
      classifier.classify(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Rocket.Chat/2.15.2 Chrome/73.0.3683.121 Electron/5.0.1 Safari/537.36',
      ),
    ).toEqual({
      deviceType: 'desktop-app',
      clientName: 'Rocket.Chat',
      clientVersion: '2.15.2',
      osName: 'Windows',
      osVersion: '10',
    });
  });

  it.each(TABLE)('%s', (_label, userAgent, expected) => {
    expect(classifier.classify(userAgent)).toEqual(expected);
  });

  it.each([
    ['empty', ''],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { userAgent: 'Chrome/1' }],
    ['an array', ['curl/8']],
  ])('answers UNKNOWN_CLIENT for %s', (_label, userAgent) => {
    expect(classifier.classify(userAgent)).toBe(UNKNOWN_CLIENT);
  });

  it('answers unknown for user agents that name nothing it knows', () => {
    expect(classifier.classify('Mozilla/5.0')).toBe(UNKNOWN_CLIENT);
    expect(classifier.classify('\u0000\u0001\uffff\ud800 garbage')).toBe(UNKNOWN_CLIENT);
    expect(Object.isFrozen(UNKNOWN_CLIENT)).toBe(true);
  });

  it('classifies a 100 KB user agent by its first 512 characters and caches only those', () => {
    const fresh = new UserAgentClassifier({ cacheSize: 10 });
    const chrome = TABLE[0][1];
    const padding = ' ' + 'z'.repeat(MAX_USER_AGENT_LENGTH);
    const huge = chrome + padding + 'x'.repeat(100_000);
    expect(fresh.classify(huge)).toEqual(TABLE[0][2]);
    // Same first 512 characters, so the same cache entry.
    expect(fresh.classify(chrome + padding + 'y'.repeat(100_000))).toBe(fresh.classify(huge));
    expect(fresh.size).toBe(1);
    fresh.classify('y'.repeat(100_000));
    expect(fresh.size).toBe(2);
    expect(MAX_USER_AGENT_LENGTH).toBe(512);
  });

  it('sanitises what the user agent puts into its fields', () => {
    const result = classifier.classify(
      'RC Mobile; i|OS\u001e 12.2; v3.4.0-averyveryveryveryveryverylongsuffix\u0007 (250)',
    );
    expect(result).toEqual({
      deviceType: 'mobile-app',
      clientName: 'RC Mobile',
      clientVersion: '3.4.0-averyveryveryveryveryveryl',
      osName: 'iOS',
      osVersion: '12.2',
    });
    expect(result.clientVersion).toHaveLength(32);
  });

  it('returns the same frozen object for the same user agent', () => {
    const fresh = new UserAgentClassifier();
    const first = fresh.classify(TABLE[3][1]);
    const second = fresh.classify(TABLE[3][1]);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(fresh.size).toBe(1);
  });

  it('keeps at most cacheSize agents and evicts the least recently used', () => {
    const fresh = new UserAgentClassifier({ cacheSize: 3 });
    const [a, b, c, d] = TABLE.slice(0, 4).map(([, userAgent]) => userAgent);
    const infoA = fresh.classify(a);
    const infoB = fresh.classify(b);
    fresh.classify(c);
    expect(fresh.size).toBe(3);
    expect(fresh.classify(a)).toBe(infoA); // a is now the most recent; b the least
    fresh.classify(d); // evicts b
    expect(fresh.size).toBe(3);
    expect(fresh.classify(a)).toBe(infoA);
    const infoB2 = fresh.classify(b); // parsed again: a new object with equal content
    expect(infoB2).not.toBe(infoB);
    expect(infoB2).toEqual(infoB);
    expect(fresh.size).toBe(3);
  });

  it('caches nothing with cacheSize 0 but still classifies', () => {
    const uncached = new UserAgentClassifier({ cacheSize: 0 });
    expect(uncached.classify('curl/8.5.0')).toEqual(info('bot', 'curl', '8', '', ''));
    expect(uncached.size).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN, '10'])('refuses cacheSize %p', (cacheSize) => {
    expect(() => new UserAgentClassifier({ cacheSize: cacheSize as number })).toThrow(ConfigError);
  });
});

describe('sanitizeLabel', () => {
  it.each([
    ['Chrome', 'Chrome'],
    ['  padded  ', 'padded'],
    ['a|b\u001ec\u001fd\u0000e\u007ff\u0085g', 'abcdefg'],
    ['Яндекс Браузер', 'Яндекс Браузер'],
    ['x'.repeat(40), 'x'.repeat(32)],
    // 31 ASCII characters and an emoji (two UTF-16 units): the pair is dropped, not split.
    ['x'.repeat(31) + '😀', 'x'.repeat(31)],
    ['x'.repeat(30) + '😀', 'x'.repeat(30) + '😀'],
    ['lone \ud800 surrogate', 'lone  surrogate'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeLabel(input)).toBe(expected);
  });

  it('turns anything that is not a string into an empty label', () => {
    expect(sanitizeLabel(undefined)).toBe('');
    expect(sanitizeLabel(12)).toBe('');
  });
});
