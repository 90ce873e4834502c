import { InvalidArgumentError } from 'commander';
import { parseDate } from '../time/zoned-calendar';

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `500ms`, `5s`, `2m`, `1h`, or a plain number of seconds → milliseconds. Throws commander's
 * InvalidArgumentError, so a bad value is a usage error naming the option.
 */
export function parseDuration(value: string): number {
  const match = DURATION_RE.exec(value.trim());
  if (!match) {
    throw new InvalidArgumentError(
      'expected a duration such as 500ms, 5s, 2m or a number of seconds.',
    );
  }
  const ms = Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? 's').toLowerCase()]);
  if (ms <= 0) throw new InvalidArgumentError('the duration must be more than 0.');
  return ms;
}

/** A commander parser for a duration of at least `minMs`. */
export function durationAtLeast(minMs: number): (value: string) => number {
  return (value) => {
    const ms = parseDuration(value);
    if (ms < minMs) throw new InvalidArgumentError(`the duration must be at least ${minMs}ms.`);
    return ms;
  };
}

/** A commander parser for an integer in [1, max]. */
export function integerUpTo(max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`);
    }
    return n;
  };
}

/** `YYYY-MM-DD`, a date that exists; checked here so a typo fails before Redis is contacted. */
export function parseDateOption(value: string): string {
  try {
    parseDate(value);
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}.`);
  }
  return value;
}
