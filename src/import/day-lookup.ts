import type { ZonedCalendar, ZonedDay } from '../time/zoned-calendar';

/** Zone offsets change at whole quarter hours, so a quarter hour never straddles two local days. */
const BUCKET_MS = 15 * 60_000;

/**
 * ZonedCalendar.dayAt with a cache per quarter hour: Intl formatting costs microseconds a call,
 * and an import asks for the day of every timestamp of a million documents.
 */
export class DayLookup {
  private readonly byBucket = new Map<number, ZonedDay>();

  constructor(private readonly calendar: ZonedCalendar) {}

  dayAt(epochMs: number): ZonedDay {
    const bucket = Math.floor(epochMs / BUCKET_MS);
    const cached = this.byBucket.get(bucket);
    if (cached && epochMs >= cached.startMs && epochMs < cached.endMs) return cached;
    const day = this.calendar.dayAt(epochMs);
    // Cached only when the whole quarter hour lies in the day (true except for odd historic offsets).
    const from = bucket * BUCKET_MS;
    if (from >= day.startMs && from + BUCKET_MS <= day.endMs) this.byBucket.set(bucket, day);
    return day;
  }
}
