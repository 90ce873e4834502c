/** Longest label kept, in UTF-16 code units (so also at most this many code points). */
export const MAX_LABEL_LENGTH = 32;

// C0 controls (which include the \x1e/\x1f record/unit separators), DEL, C1 controls, and `|`:
// labels end up inside sorted-set members joined by separators, so none of these may appear.
// With the `u` flag a surrogate range matches only lone surrogates: they are not text, and would
// turn into U+FFFD on their way to UTF-8, so they go too.
// eslint-disable-next-line no-control-regex -- control characters are exactly what it removes
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f|\ud800-\udfff]/gu;

/**
 * `value` made safe to store as one field of a Redis sorted-set member: forbidden characters
 * removed, surrounding whitespace trimmed, cut to `MAX_LABEL_LENGTH` without splitting a surrogate
 * pair. Anything that is not a string becomes `''`. Ordinary Unicode (`Яндекс`, `微信`) is kept.
 */
export function sanitizeLabel(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) return '';
  let label = value;
  // The common case (a parser's own output) is already clean and short; skip the regex then.
  if (needsCleaning(label)) label = label.replace(FORBIDDEN, '');
  label = label.trim();
  if (label.length <= MAX_LABEL_LENGTH) return label;
  let end = MAX_LABEL_LENGTH;
  const last = label.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // keep the pair whole by dropping both halves
  return label.slice(0, end).trimEnd();
}

function needsCleaning(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x7c) return true;
    if (code >= 0xd800 && code <= 0xdfff) return true;
  }
  return false;
}
