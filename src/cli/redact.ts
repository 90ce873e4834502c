import { maskUrl } from '../redis/redis-client';

const URL_RE = /[a-z][a-z0-9+.-]*:\/\/\S+/gi;

/**
 * Hides every credential of `secretUrls` in a message: each URL in the text goes through maskUrl,
 * and the passwords themselves (also when given as `?password=`, or when they hold a raw `@` that
 * maskUrl's pattern stops at) are replaced wherever they still appear.
 */
export function redact(message: string, secretUrls: readonly string[] = []): string {
  let text = message;
  // Longest first, so a decoded password never leaves part of its encoded form behind.
  const secrets = secretUrls.flatMap(passwordsOf).sort((a, b) => b.length - a.length);
  for (const secret of secrets) text = text.split(secret).join('***');
  return text.replace(URL_RE, (url) => maskUrl(url));
}

/** The password a Redis URL carries, raw and decoded; none when it does not parse. */
function passwordsOf(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `redis://${url}`);
  } catch {
    return [];
  }
  const found = [parsed.password, parsed.searchParams.get('password') ?? ''];
  for (const value of [...found]) {
    try {
      found.push(decodeURIComponent(value));
    } catch {
      // Not valid percent-encoding: the raw form is already in the list.
    }
  }
  // Very short secrets would blank out ordinary words; maskUrl still hides them inside URLs.
  return [...new Set(found)].filter((s) => s.length >= 3);
}
