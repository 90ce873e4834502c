import { pickWeighted, type Random } from './random';

/** What kind of client a user agent stands for, as the simulation uses it. */
export type ClientKind = 'browser' | 'desktop-app' | 'mobile-app' | 'crawler' | 'bot';

/** A user-agent string as a Rocket.Chat server sees it, with how often it shows up. */
export interface UserAgentProfile {
  label: string;
  kind: ClientKind;
  /** Relative frequency among sessions. */
  weight: number;
  userAgent: string;
}

/**
 * The devices of people in a chat workspace: mostly desktop browsers and the Electron app, a good
 * share of the mobile app, some mobile browsers.
 */
export const USER_AGENTS: readonly UserAgentProfile[] = [
  {
    label: 'Chrome on Windows',
    kind: 'browser',
    weight: 22,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  },
  {
    label: 'Edge on Windows',
    kind: 'browser',
    weight: 6,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  },
  {
    label: 'Firefox on Windows',
    kind: 'browser',
    weight: 6,
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  },
  {
    label: 'Chrome on macOS',
    kind: 'browser',
    weight: 9,
    userAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  },
  {
    label: 'Safari on macOS',
    kind: 'browser',
    weight: 5,
    userAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  },
  {
    label: 'Firefox on Linux',
    kind: 'browser',
    weight: 4,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  },
  {
    label: 'Chrome on Linux',
    kind: 'browser',
    weight: 3,
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  },
  {
    label: 'Chrome on Android',
    kind: 'browser',
    weight: 4,
    userAgent:
      'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  },
  {
    label: 'Safari on iPhone',
    kind: 'browser',
    weight: 4,
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  },
  {
    label: 'Safari on iPad',
    kind: 'browser',
    weight: 1,
    userAgent:
      'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  },
  {
    label: 'Rocket.Chat desktop on Windows',
    kind: 'desktop-app',
    weight: 12,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Rocket.Chat/3.9.0 Chrome/114.0.5735.289 Electron/25.9.8 Safari/537.36',
  },
  {
    label: 'Rocket.Chat desktop on macOS',
    kind: 'desktop-app',
    weight: 6,
    userAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Rocket.Chat/3.9.0 Chrome/114.0.5735.289 Electron/25.9.8 Safari/537.36',
  },
  {
    label: 'Rocket.Chat desktop on Linux',
    kind: 'desktop-app',
    weight: 2,
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Rocket.Chat/3.9.0 Chrome/114.0.5735.289 Electron/25.9.8 Safari/537.36',
  },
  {
    label: 'Rocket.Chat mobile on iOS',
    kind: 'mobile-app',
    weight: 7,
    userAgent: 'RC Mobile; iOS 16.1; v4.40.0 (1234)',
  },
  {
    label: 'Rocket.Chat mobile on Android',
    kind: 'mobile-app',
    weight: 8,
    userAgent: 'RC Mobile; android 13; v4.40.0 (1234)',
  },
];

/** A bot user (an integration) that logs in once and stays connected. */
export const INTEGRATION_BOT: UserAgentProfile = {
  label: 'integration bot',
  kind: 'bot',
  weight: 0,
  userAgent: 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
};

/** Hits the login page now and then; never logs in. */
export const CRAWLER: UserAgentProfile = {
  label: 'Googlebot',
  kind: 'crawler',
  weight: 0,
  userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
};

/** One device of a person, by how common it is. */
export function pickUserAgent(random: Random): UserAgentProfile {
  return pickWeighted(random, USER_AGENTS);
}
