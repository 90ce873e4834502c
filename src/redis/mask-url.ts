/**
 * Keeping passwords out of every message. A connection string is masked by position, not by
 * pattern: a password may hold any character (`#`, `@`, `/`, `?`, `&`, `%`, spaces, unicode), raw
 * or percent-encoded, and a pattern that expects a well-formed URL stops at the first odd one and
 * prints the rest.
 */

const SCHEME_RE = /^[a-z][a-z0-9+.-]*:\/\//i;
const PASSWORD_PARAMETER_RE = /[?&](?:sentinel)?password=/gi;
/** A URL in a message, without the punctuation that follows it there (`at redis://h:1: refused`). */
const URL_IN_TEXT_RE = /[a-z][a-z0-9+.-]*:\/\/\S*[^\s:,.;)]/gi;
/** What separates the parts of a password once a parser has cut it up: URL delimiters, spaces. */
const PART_SEPARATORS_RE = /[\s/?#&=:@,%[\]]+/;

type Span = [start: number, end: number];

/**
 * The stretches of one connection string that may hold a password, wherever its characters put
 * them: from the first `:` after the scheme (or the scheme itself, when no `:` comes before the
 * `@`, so a password written without its user goes too) to the last `@` of the whole string; and
 * from each `password=` or `sentinelPassword=` parameter to the end of the string, since a raw `&`
 * or `#` in its value cannot be told from the next parameter. It masks more than a well-formed URL
 * needs, never less.
 */
function passwordSpans(url: string): Span[] {
  const spans: Span[] = [];
  const start = SCHEME_RE.exec(url)?.[0].length ?? 0;
  const at = url.lastIndexOf('@');
  if (at > start) {
    const colon = url.indexOf(':', start);
    spans.push([colon !== -1 && colon < at ? colon + 1 : start, at]);
  }
  for (const match of url.matchAll(PASSWORD_PARAMETER_RE)) {
    spans.push([(match.index ?? 0) + match[0].length, url.length]);
  }
  return spans.filter(([from, to]) => to > from);
}

/**
 * One connection string (the whole of `url`, spaces and all) with everything that may be a
 * password replaced by `***`: `redis://admin:hunter2#x@h:6379` → `redis://admin:***@h:6379`.
 */
export function maskConnectionString(url: string): string {
  const spans = passwordSpans(url).sort((a, b) => a[0] - b[0]);
  let masked = '';
  let done = 0;
  for (const [from, to] of spans) {
    if (to <= done) continue;
    masked += `${url.slice(done, Math.max(from, done))}***`;
    done = to;
  }
  return masked + url.slice(done);
}

/**
 * Every URL in a free text, masked as by {@link maskConnectionString}; a URL ends at the first
 * white space here, so give the connection strings a text may quote to `passwordParts` as well.
 */
export function maskUrl(text: string): string {
  return text.replace(URL_IN_TEXT_RE, (url) => maskConnectionString(url));
}

/**
 * What of `url` may be (part of) a password, raw and percent-decoded: each stretch that
 * maskConnectionString hides, and its pieces between URL delimiters, which is what a parser that
 * misreads the string quotes back (`redis://:pa?ss@h` has a host list `:pa`). Longest first.
 */
export function passwordParts(url: string): string[] {
  const parts = new Set<string>();
  for (const [from, to] of passwordSpans(url)) {
    const raw = url.slice(from, to);
    for (const form of [raw, decodeWhatDecodes(raw)]) {
      parts.add(form);
      for (const piece of form.split(PART_SEPARATORS_RE)) parts.add(piece);
    }
  }
  parts.delete('');
  return [...parts].sort((a, b) => b.length - a.length);
}

/** Percent-escapes decoded where they are valid UTF-8, the rest kept: `a%23b%zz` → `a#b%zz`. */
function decodeWhatDecodes(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
}
