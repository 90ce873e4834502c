import type { ZonedCalendar, ZonedDay } from '../time/zoned-calendar';

/**
 * This process's estimate of Redis TIME, corrected at every script reply. It only picks which day
 * keys to propose; the scripts check the proposal against TIME, so a wrong estimate costs a retry,
 * never a miscount.
 */
export class RedisClock {
  private offsetMs = 0;

  constructor(private readonly calendar: ZonedCalendar) {}

  /** Records a Redis TIME reading (ms) just received. */
  observe(redisNowMs: number): void {
    this.offsetMs = redisNowMs - Date.now();
  }

  /** Estimated Redis time now. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Offset of Redis TIME over the local clock, in ms. */
  get offset(): number {
    return this.offsetMs;
  }

  /** The day that contains an instant (the calendar keeps the current one at hand). */
  dayAt(epochMs: number): ZonedDay {
    return this.calendar.dayAt(epochMs);
  }

  today(): ZonedDay {
    return this.dayAt(this.now());
  }
}
