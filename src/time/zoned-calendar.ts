import { ConfigError } from '../errors/config-error';

/** Milliseconds in a day of 24 hours (not a calendar day, which may be 23 or 25). */
export const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** One calendar day in a time zone, with the instants where it starts and ends. */
export interface ZonedDay {
  /** `YYYY-MM-DD` in the zone. */
  date: string;
  /** `YYYY-MM` in the zone. */
  month: string;
  /** Epoch ms of local midnight that starts the day. */
  startMs: number;
  /** Epoch ms of the next local midnight (23 or 25 hours later on DST days). */
  endMs: number;
  /** Epoch ms of the midnight that ends the day's month. */
  monthEndMs: number;
}

/**
 * Day and month boundaries in an IANA time zone. Lua cannot read the zone database, so the
 * TypeScript side proposes day keys and their bounds, and the scripts check them against Redis
 * TIME (the one clock) before writing.
 */
export class ZonedCalendar {
  private readonly parts: Intl.DateTimeFormat;
  /**
   * The day dayAt found last. Callers ask for the current day again and again (every batch, every
   * stats()), and finding a day's bounds costs tens of microseconds of Intl formatting. Days never
   * overlap, so a day that holds the instant is its day.
   */
  private lastDay: ZonedDay | undefined;

  constructor(readonly timeZone: string) {
    try {
      this.parts = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new ConfigError(
        `unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as "UTC" or "Europe/Berlin"`,
        'INVALID_TIMEZONE',
      );
    }
  }

  /** The date (`YYYY-MM-DD`) of the day containing an instant (dayAt). */
  dateAt(epochMs: number): string {
    return this.dayAt(epochMs).date;
  }

  /**
   * The day containing an instant: the day of the date its clock shows, except where the clock
   * went back across midnight (St. John's until 2011 went from 00:01 back to 23:01): there the
   * date shows again after the next day began, and that stretch belongs to the next day. Days
   * never overlap, so an instant is always within its day's bounds and a script's day check agrees.
   */
  dayAt(epochMs: number): ZonedDay {
    const last = this.lastDay;
    if (last && epochMs >= last.startMs && epochMs < last.endMs) return last;
    const shown = this.day(this.shownDateAt(epochMs));
    const day = epochMs >= shown.endMs ? this.day(addDays(shown.date, 1)) : shown;
    this.lastDay = day;
    return day;
  }

  /** A day by its local date. */
  day(date: string): ZonedDay {
    const { y, m, d } = parseDate(date);
    const startMs = this.localMidnight(y, m, d);
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    const endMs = this.localMidnight(
      next.getUTCFullYear(),
      next.getUTCMonth() + 1,
      next.getUTCDate(),
    );
    const monthEndMs = this.localMidnight(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1);
    return { date, month: date.slice(0, 7), startMs, endMs, monthEndMs };
  }

  /** Epoch ms of 00:00 local time on y-m-d (the first instant of that date where midnight is skipped). */
  private localMidnight(y: number, m: number, d: number): number {
    const wall = Date.UTC(y, m - 1, d);
    // Two passes settle the offset even when the offset at `wall` differs from the one at midnight.
    let guess = wall - this.offsetAt(wall);
    guess = wall - this.offsetAt(guess);
    // Where midnight comes twice (the clock going back from 01:00 to 00:00), the day starts at the
    // first: offsets are whole quarter hours, so a midnight is too.
    const target = formatDate(y, m, d);
    for (let step = 0; step < 4 * 3 && this.shownDateAt(guess - 15 * 60_000) === target; step++) {
      guess -= 15 * 60_000;
    }
    // Where midnight does not exist (DST starting at 00:00), the day starts at its first instant.
    // Where the whole date was skipped (Samoa, 2011-12-30), this stops at the next date's start,
    // making the skipped day empty. Offsets move in steps of 15 minutes at the finest.
    for (let step = 0; step < 4 * 48 && this.shownDateAt(guess) < target; step++) {
      guess += 15 * 60_000;
    }
    return guess;
  }

  /** The local date the zone's clock shows at an instant. */
  private shownDateAt(epochMs: number): string {
    const p = this.fields(epochMs);
    return formatDate(p.year, p.month, p.day);
  }

  /** Zone offset from UTC in ms at an instant. */
  private offsetAt(epochMs: number): number {
    const p = this.fields(epochMs);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return asUtc - Math.floor(epochMs / 1000) * 1000;
  }

  private fields(epochMs: number) {
    const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    for (const part of this.parts.formatToParts(new Date(epochMs))) {
      if (part.type in out) out[part.type as keyof typeof out] = Number(part.value);
    }
    return out;
  }
}

/** Validates a `YYYY-MM-DD` calendar date; returns its numbers or throws a RangeError naming it. */
export function parseDate(date: string): { y: number; m: number; d: number } {
  const match = DATE_RE.exec(date);
  if (!match) throw new RangeError(`date ${JSON.stringify(date)} is not YYYY-MM-DD`);
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`date ${JSON.stringify(date)} does not exist`);
  }
  return { y, m, d };
}

/** `date` shifted by whole calendar days (negative goes back). */
export function addDays(date: string, days: number): string {
  const { y, m, d } = parseDate(date);
  const t = new Date(Date.UTC(y, m - 1, d) + days * DAY_MS);
  return formatDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

function formatDate(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${pad(m)}-${pad(d)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
