/**
 * Rocket.Chat's own apps, recognised as Rocket.Chat's server does (`UAParserCustom`), so numbers
 * from this library and from Rocket.Chat's statistics agree.
 */

/** What a Rocket.Chat app tells about itself; fields it leaves out are `''`. */
export interface RocketChatApp {
  clientName: string;
  clientVersion: string;
  osName: string;
  osVersion: string;
}

/** The name the mobile app puts first in its user agent. */
export const MOBILE_APP_NAME = 'RC Mobile';

/** The name the desktop app puts in its product token, and the one we report. */
export const DESKTOP_APP_NAME = 'Rocket.Chat';

// Rocket.Chat compares the first `;` field, trimmed, with `RC Mobile`: the same test, without the split.
const MOBILE_PREFIX = /^\s*RC Mobile\s*(?:;|$)/;
// Rocket.Chat's own pattern, so `Rocket.Chat/3.9.0-beta.1` gives `3.9.0` here too.
const DESKTOP_VERSION = /Rocket\.Chat\/(\d+(?:\.\d+)+)/;
// The app writes React Native's `Platform.OS` (`ios`, `android`); older builds wrote `iOS`. One
// spelling per OS keeps a breakdown from splitting the same phones into two rows.
const MOBILE_OS_NAMES: Readonly<Record<string, string>> = { ios: 'iOS', android: 'Android' };

/**
 * The mobile app's `RC Mobile; <os> <os version>; v<version> (<build>)`, e.g.
 * `RC Mobile; iOS 12.2; v3.4.0 (250)`, or undefined when `userAgent` is not from it. The build
 * number is dropped: the version already says which release it is.
 */
export function parseRocketChatMobile(userAgent: string): RocketChatApp | undefined {
  if (!MOBILE_PREFIX.test(userAgent)) return undefined;
  const [, osField = '', appField = ''] = userAgent.split(';', 3);
  const [osName = '', osVersion = ''] = osField.trim().split(/\s+/, 2);
  const [version = ''] = appField.trim().split(/\s+/, 1);
  return {
    clientName: MOBILE_APP_NAME,
    clientVersion: version.replace(/^v/, ''),
    osName: MOBILE_OS_NAMES[osName.toLowerCase()] ?? osName,
    osVersion,
  };
}

/**
 * The version in the desktop app's `Rocket.Chat/<version>` token (`2.15.2`), or undefined. Only
 * meaningful for an Electron user agent: Rocket.Chat counts it as its desktop app only then.
 */
export function rocketChatDesktopVersion(userAgent: string): string | undefined {
  return DESKTOP_VERSION.exec(userAgent)?.[1];
}
