import UAParser from 'ua-parser-js';
import { ConfigError } from '../errors/config-error';
import { detectBot } from './bot-detector';
import { UNKNOWN_CLIENT, type ClientInfo, type DeviceType } from './client-info';
import { electronAppOf, isElectron } from './electron-apps';
import { LruCache } from './lru-cache';
import {
  DESKTOP_APP_NAME,
  parseRocketChatMobile,
  rocketChatDesktopVersion,
} from './rocket-chat-clients';
import { sanitizeLabel } from './sanitize-label';

/**
 * Longest prefix of a user agent that is looked at. Real ones stay under 300 characters; the cap
 * bounds parsing time and cache memory (at most `cacheSize` keys of this length) whatever a client
 * sends. ua-parser-js 1.x cuts at 500 itself, so nothing it could see is lost.
 */
export const MAX_USER_AGENT_LENGTH = 512;

/** Options of `new UserAgentClassifier(...)`. */
export interface UserAgentClassifierOptions {
  /**
   * Most distinct user agents remembered, least recently used dropped first; 0 turns the cache
   * off. Default 10,000: a workspace sees a few hundred distinct agents, and each entry costs
   * under 2 KB even at the length cap.
   */
  cacheSize?: number;
}

/**
 * Turns user-agent strings into a `ClientInfo`: Rocket.Chat's mobile and desktop apps by their
 * own rules, other Electron apps, bots, then browsers by ua-parser-js 1.x. Results are cached,
 * because a server sees the same few hundred user agents over and over, and a parse costs 10-20 µs
 * against well under 1 µs for a lookup (`bench/user-agents.js`). `classify` never throws, whatever
 * it is given.
 */
export class UserAgentClassifier {
  private readonly cache: LruCache<string, ClientInfo>;
  // One parser reused for every call: setUA + the two getters we need skip the device, engine
  // and CPU regexes that `getResult()` would run too.
  private readonly parser = new UAParser();

  constructor(options: UserAgentClassifierOptions = {}) {
    const cacheSize = options.cacheSize ?? 10_000;
    if (typeof cacheSize !== 'number' || !Number.isSafeInteger(cacheSize) || cacheSize < 0) {
      throw new ConfigError(
        `cacheSize must be a non-negative integer, got ${String(cacheSize)}`,
        'INVALID_CACHE_SIZE',
      );
    }
    this.cache = new LruCache(cacheSize);
  }

  /** User agents cached now, at most `cacheSize`. */
  get size(): number {
    return this.cache.size;
  }

  /**
   * What `userAgent` says about the client. The same (cached) frozen object comes back for the
   * same user agent; `UNKNOWN_CLIENT` for an empty string or anything that is not a string.
   */
  classify(userAgent: unknown): ClientInfo {
    if (typeof userAgent !== 'string' || userAgent.length === 0) return UNKNOWN_CLIENT;
    const key =
      userAgent.length > MAX_USER_AGENT_LENGTH
        ? detach(userAgent.slice(0, MAX_USER_AGENT_LENGTH))
        : userAgent;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const info = this.parse(key);
    this.cache.set(key, info);
    return info;
  }

  private parse(userAgent: string): ClientInfo {
    try {
      return this.parseUnsafe(userAgent);
    } catch {
      // A parser bug on some odd input must not take a session event down with it.
      return UNKNOWN_CLIENT;
    }
  }

  private parseUnsafe(userAgent: string): ClientInfo {
    const mobile = parseRocketChatMobile(userAgent);
    if (mobile) return clientInfo('mobile-app', mobile);

    const bot = detectBot(userAgent);
    if (bot) {
      const os = this.parser.setUA(userAgent).getOS();
      return clientInfo('bot', {
        osName: os.name,
        osVersion: os.version,
        clientName: bot.name,
        clientVersion: bot.version,
      });
    }

    this.parser.setUA(userAgent);
    const os = this.parser.getOS();
    if (isElectron(userAgent)) {
      const rocketChatVersion = rocketChatDesktopVersion(userAgent);
      const app =
        rocketChatVersion === undefined
          ? electronAppOf(userAgent)
          : { name: DESKTOP_APP_NAME, version: rocketChatVersion };
      return clientInfo('desktop-app', {
        osName: os.name,
        osVersion: os.version,
        clientName: app.name,
        clientVersion: app.version,
      });
    }

    const browser = this.parser.getBrowser();
    return clientInfo(browser.name ? 'browser' : 'unknown', {
      osName: os.name,
      osVersion: os.version,
      clientName: browser.name,
      clientVersion: majorOf(browser.version),
    });
  }
}

interface RawClientInfo {
  osName?: string;
  osVersion?: string;
  clientName?: string;
  clientVersion?: string;
}

function clientInfo(deviceType: DeviceType, raw: RawClientInfo): ClientInfo {
  const info = {
    deviceType,
    osName: sanitizeLabel(raw.osName),
    osVersion: sanitizeLabel(raw.osVersion),
    clientName: sanitizeLabel(raw.clientName),
    clientVersion: sanitizeLabel(raw.clientVersion),
  };
  // Share one object for everything unrecognised instead of caching thousands of equal ones.
  if (
    deviceType === 'unknown' &&
    info.osName === '' &&
    info.osVersion === '' &&
    info.clientName === '' &&
    info.clientVersion === ''
  ) {
    return UNKNOWN_CLIENT;
  }
  // Cached objects are handed to every caller: frozen, so one caller cannot change another's.
  return Object.freeze(info);
}

function majorOf(version: string | undefined): string {
  if (version === undefined) return '';
  const dot = version.indexOf('.');
  return dot === -1 ? version : version.slice(0, dot);
}

/**
 * A copy of `slice` that does not share memory with the string it was cut from. V8 represents a
 * slice as a view of its parent, so caching a 512-character slice of a 100 KB user agent would keep
 * all 100 KB alive for as long as the entry lives (measured: 200 MB for 2,000 such entries). A
 * round trip through UTF-16 copies the code units exactly, lone surrogates included.
 */
function detach(slice: string): string {
  return Buffer.from(slice, 'utf16le').toString('utf16le');
}
