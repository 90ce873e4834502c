/**
 * `redis://user:secret@host` → `redis://user:***@host`, for every message we print: every URL of
 * the text (several hosts too), a password holding a raw `@`, and `?password=` and
 * `?sentinelPassword=` parameters.
 */
export function maskUrl(text: string): string {
  return text
    .replace(/(\/\/[^:/@\s]*:)[^/\s]*@/g, '$1***@')
    .replace(/([?&](?:sentinel)?password=)[^&#\s]*?(?=[&#]|:?(?:\s|$))/gi, '$1***');
}
