import { maskUrl, passwordParts } from '../redis/mask-url';

/**
 * Parts this short are left in free text: blanking every `a` or `12` would garble the message.
 * Inside a URL they are masked all the same (maskUrl masks by position).
 */
const SHORTEST_SECRET_IN_TEXT = 3;

/**
 * Hides every credential of `secretUrls` in a message: each URL in the text goes through maskUrl,
 * and every part of their passwords (raw or percent-decoded, whole or cut up at `#`, `?`, `&`, `/`
 * as a parser would) is replaced wherever it still appears.
 */
export function redact(message: string, secretUrls: readonly string[] = []): string {
  let text = message;
  // Longest first, so a part never leaves the rest of a longer one behind.
  const secrets = [...new Set(secretUrls.flatMap(passwordParts))]
    .filter((s) => s.length >= SHORTEST_SECRET_IN_TEXT)
    .sort((a, b) => b.length - a.length);
  for (const secret of secrets) text = text.split(secret).join('***');
  return maskUrl(text);
}
