/**
 * What kind of program a session comes from. It describes the client, not the hardware: Chrome on
 * a phone is a `browser`, Rocket.Chat's own phone app is a `mobile-app`.
 */
export type DeviceType = 'browser' | 'mobile-app' | 'desktop-app' | 'bot' | 'unknown';

/**
 * A user agent reduced to the few fields worth counting. Every string is a label in the sense of
 * `sanitizeLabel`: at most 32 characters, no control characters, no `|`; `''` when unknown.
 */
export interface ClientInfo {
  readonly deviceType: DeviceType;
  /** As ua-parser-js names it (`Windows`, `Mac OS`, `iOS`, `Android`, …). */
  readonly osName: string;
  /** The OS version as the user agent gives it (`10`, `10.15.7`, `17.4.1`). */
  readonly osVersion: string;
  /** Browser, app or bot name (`Chrome`, `Mobile Safari`, `RC Mobile`, `Rocket.Chat`, `Googlebot`). */
  readonly clientName: string;
  /**
   * Major version for browsers and bots (keeps the number of distinct values small); the full
   * version for apps (`3.4.0`), because app releases are what an admin wants to see migrate.
   */
  readonly clientVersion: string;
}

/** The answer for anything that cannot be classified: empty, not a string, or unrecognised. */
export const UNKNOWN_CLIENT: ClientInfo = Object.freeze({
  deviceType: 'unknown',
  osName: '',
  osVersion: '',
  clientName: '',
  clientVersion: '',
});
