/**
 * `redis://user:secret@host` → `redis://user:***@host`, for every message we print: every URL of
 * the text (several hosts too), a password holding a raw `@`, and `?password=` and
 * `?sentinelPassword=` parameters.
 */
export function maskUrl(text: string): string {
  return (
    text
      // Up to the last `@` before a space, `?` or `#`: a raw `/` in a password is masked too.
      .replace(/(\/\/[^:/@\s]*:)[^\s?#]*@/g, '$1***@')
      .replace(/([?&](?:sentinel)?password=)[^&#\s]*?(?=[&#]|:?(?:\s|$))/gi, '$1***')
  );
}
