/** A desktop app built on Electron, as its user agent names it. */
export interface ElectronApp {
  name: string;
  version: string;
}

// Tokens every Chromium-based user agent carries; whatever else stands before `Chrome/` is the
// app's own product token (`Slack/4.36.140`, `discord/1.0.9030`, `Teams/1.6.00.1381`).
const PLATFORM_TOKENS = new Set([
  'mozilla',
  'applewebkit',
  'chrome',
  'chromium',
  'safari',
  'electron',
  'gecko',
  'version',
  'mobile',
]);
const PRODUCT_TOKEN = /([A-Za-z][\w.+-]*)\/(\d[\w.+-]*)/g;
const ELECTRON_VERSION = / Electron\/(\d+)/;

/** Whether `userAgent` comes from an Electron app (Rocket.Chat's test: a ` Electron/` token). */
export function isElectron(userAgent: string): boolean {
  return userAgent.includes(' Electron/');
}

/**
 * The app an Electron user agent names: its first product token that is not one every Chromium
 * user agent has, with its full version; when there is none, `Electron` with its major version.
 */
export function electronAppOf(userAgent: string): ElectronApp {
  for (const [, name, version] of userAgent.matchAll(PRODUCT_TOKEN)) {
    if (!PLATFORM_TOKENS.has(name.toLowerCase())) return { name, version };
  }
  return { name: 'Electron', version: ELECTRON_VERSION.exec(userAgent)?.[1] ?? '' };
}
