/**
 * Connection strings whose passwords hold every character that trips a URL parser or a masking
 * pattern, raw and percent-encoded, in every place a password can go. Each password is made of
 * tokens that appear nowhere else, so "no part of it was printed" is: none of its tokens is.
 */

/** Characters with a meaning in a URL (or none at all), each between two tokens. */
const AWKWARD = ['#', '@', '/', '?', '%', '&', '=', ':', ' ', '+', ',', '[', ']', 'ü', '€', '🔑'];

/** Four-character tokens, unlikely to occur in any message or output by chance. */
function token(i: number): string {
  return `Q${'wkzjxvy'[i % 7]}${i}${'MNBVCXZ'[(i * 3) % 7]}`.padEnd(4, 'h');
}

export interface AwkwardPassword {
  /** The password as Redis knows it. */
  password: string;
  /** What must never be printed: every token of it. */
  tokens: string[];
}

/** One password per awkward character (`tok1 c tok2`), one with all of them, one with `%41`. */
export function awkwardPasswords(): AwkwardPassword[] {
  let next = 0;
  const make = (separators: string[]): AwkwardPassword => {
    const tokens = [token(next++)];
    for (const separator of separators) tokens.push(separator, token(next++));
    return {
      password: tokens.join(''),
      tokens: tokens.filter((_, i) => i % 2 === 0),
    };
  };
  return [...AWKWARD.map((c) => make([c])), make(AWKWARD), make(['%41', '%'])];
}

export interface AwkwardUrl {
  url: string;
  /** The password's tokens (also of the sentinel password, where there is one). */
  tokens: string[];
  /** The password, decoded, as Redis must receive it (when the URL parses). */
  password: string;
}

/**
 * Each password, raw and percent-encoded, as `user:password@`, `:password@`, `?password=` and
 * (given `sentinels`) as a Sentinel URL's `?sentinelPassword=`, for `hostPort`.
 */
export function awkwardUrls(
  hostPort: string,
  { user = 'app', shapes = SHAPES }: { user?: string; shapes?: readonly Shape[] } = {},
): AwkwardUrl[] {
  const urls: AwkwardUrl[] = [];
  for (const { password, tokens } of awkwardPasswords()) {
    for (const written of [password, encodeURIComponent(password)]) {
      for (const shape of shapes) {
        urls.push({ url: SHAPE_URL[shape](hostPort, user, written), tokens, password });
      }
    }
  }
  return urls;
}

export type Shape = 'userinfo' | 'password-only' | 'query' | 'sentinel' | 'cluster';
export const SHAPES: readonly Shape[] = [
  'userinfo',
  'password-only',
  'query',
  'sentinel',
  'cluster',
];

const SHAPE_URL: Record<Shape, (hostPort: string, user: string, pw: string) => string> = {
  userinfo: (h, u, pw) => `redis://${u}:${pw}@${h}`,
  'password-only': (h, _u, pw) => `redis://:${pw}@${h}/0`,
  query: (h, u, pw) => `redis://${h}?username=${u}&password=${pw}`,
  sentinel: (h, _u, pw) => `rediss+sentinel://:${pw}@${h}/mymaster?sentinelPassword=${pw}`,
  cluster: (h, u, pw) => `redis+cluster://${u}:${pw}@${h},127.0.0.1:2`,
};

/** The tokens of `url`'s password that `text` contains: what was leaked. */
export function leakedTokens(text: string, { tokens }: { tokens: string[] }): string[] {
  return tokens.filter((t) => text.includes(t));
}
