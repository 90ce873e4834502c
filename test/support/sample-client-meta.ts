import { EMPTY_SESSION_META, type SessionMeta } from '../../src/session/session-meta';

// Client metadata the tests open sessions with: a browser on Windows, one on a Mac, the Rocket.Chat
// app on iOS, each with an address (IPv4 /24, IPv4, IPv6 /48).

export const meta = (fields: Partial<SessionMeta>): SessionMeta => ({
  ...EMPTY_SESSION_META,
  ...fields,
});
export const CHROME_WINDOWS = meta({
  deviceType: 'browser',
  osName: 'Windows',
  osVersion: '10',
  clientName: 'Chrome',
  clientVersion: '126',
  clientAddress: '203.0.113.0',
});
export const CHROME_MAC = meta({
  deviceType: 'browser',
  osName: 'Mac OS',
  osVersion: '10.15.7',
  clientName: 'Chrome',
  clientVersion: '125',
  clientAddress: '198.51.100.7',
});
export const RC_IOS = meta({
  deviceType: 'mobile-app',
  osName: 'iOS',
  osVersion: '17.4.1',
  clientName: 'RC Mobile',
  clientVersion: '4.49.0',
  clientAddress: '2001:db8:85a3::',
});
