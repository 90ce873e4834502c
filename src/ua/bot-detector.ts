/** A crawler, script or headless browser, as its user agent names it. */
export interface BotMatch {
  name: string;
  /** Major version, or `''`. */
  version: string;
}

// ua-parser-js 1.x has no bot type, so this is ours. Three kinds of signature:
// - crawlers call themselves …bot, …crawler, …spider (Googlebot, bingbot, Baiduspider, GPTBot);
//   `(?<!cu)` spares CUBOT phones, `(?![a-z])` words like "Abbott";
// - headless and audit browsers (HeadlessChrome, PhantomJS, Lighthouse) and link unfurlers;
// - HTTP libraries and tools, which put their own name first (curl/8.5.0, python-requests/2.31).
// Mobile HTTP stacks (okhttp, Dart, CFNetwork) are left out on purpose: real apps use them.
const BOT_PATTERN = new RegExp(
  [
    '(?<!cu)bot(?![a-z])',
    'crawl',
    'spider',
    'slurp',
    'scraper',
    'archiver',
    'headless',
    'phantomjs',
    'lighthouse',
    'facebookexternalhit',
    'embedly',
    'pingdom',
    '^(?:curl|wget|python-requests|python-urllib|python-httpx|aiohttp|go-http-client|node-fetch|axios|undici|java|apache-httpclient|libwww-perl|postmanruntime|insomnia|httpie|scrapy|guzzlehttp)\\b',
  ].join('|'),
  'i',
);
const NAME_CHAR = /[\w.-]/;
const MAJOR_VERSION = /^\/v?(\d+)/;

/**
 * The bot `userAgent` comes from, named by the word around its signature (`Googlebot`, `curl`,
 * `HeadlessChrome`) with that word's major version, or undefined for anything else.
 */
export function detectBot(userAgent: string): BotMatch | undefined {
  const match = BOT_PATTERN.exec(userAgent);
  if (!match) return undefined;
  let start = match.index;
  while (start > 0 && NAME_CHAR.test(userAgent[start - 1])) start--;
  let end = match.index + match[0].length;
  while (end < userAgent.length && NAME_CHAR.test(userAgent[end])) end++;
  const version = MAJOR_VERSION.exec(userAgent.slice(end, end + 16))?.[1] ?? '';
  return { name: userAgent.slice(start, end), version };
}
