// Midnights a zone's clock shows twice or skips, and a date it skipped entirely: a local day still
// starts at its first instant and ends where the next one starts.
import { ZonedCalendar } from '../../src/time/zoned-calendar';
import { intlDate } from '../support/intl-date';

describe('ZonedCalendar', () => {
  describe('day bounds where the clock goes back across midnight', () => {
    it('gives the hour a clock shows twice across midnight to the day that began first', () => {
      // St. John's, 2004-10-31: at 00:01 local daylight time the clock went back to 23:01 of the
      // 30th. The 31st began at 02:30 UTC; the 30th shows again from 02:31 to 03:30 UTC.
      const stJohns = new ZonedCalendar('America/St_Johns');
      const thirtyFirst = stJohns.dayAt(Date.parse('2004-10-31T02:31:00Z'));
      expect(intlDate(Date.parse('2004-10-31T02:31:00Z'), 'America/St_Johns')).toBe('2004-10-30');
      expect(thirtyFirst).toMatchObject({
        date: '2004-10-31',
        startMs: Date.parse('2004-10-31T02:30:00Z'),
        endMs: Date.parse('2004-11-01T03:30:00Z'),
      });
      expect(stJohns.dateAt(Date.parse('2004-10-31T03:29:59Z'))).toBe('2004-10-31');
      expect(stJohns.dayAt(Date.parse('2004-10-31T02:29:59Z'))).toMatchObject({
        date: '2004-10-30',
        endMs: Date.parse('2004-10-31T02:30:00Z'),
      });
    });

    it('starts a day at its first midnight where midnight comes twice', () => {
      // Gaza, 1996-09-20: at 01:00 the clock went back to 00:00, so the 20th began at 21:00 UTC
      // and showed midnight again at 22:00 UTC.
      const gaza = new ZonedCalendar('Asia/Gaza');
      expect(gaza.day('1996-09-20').startMs).toBe(Date.parse('1996-09-19T21:00:00Z'));
      expect(gaza.dayAt(Date.parse('1996-09-19T21:30:00Z'))).toMatchObject({
        date: '1996-09-20',
        startMs: Date.parse('1996-09-19T21:00:00Z'),
      });
      expect(gaza.dayAt(Date.parse('1996-09-19T20:59:59Z')).endMs).toBe(
        Date.parse('1996-09-19T21:00:00Z'),
      );
    });
  });
});

describe('a date the zone skipped entirely', () => {
  it('is an empty day that ends where the next date starts (Samoa, 2011-12-30)', () => {
    const apia = new ZonedCalendar('Pacific/Apia');
    const skipped = apia.day('2011-12-30');
    const before = apia.day('2011-12-29');
    const after = apia.day('2011-12-31');
    expect(skipped.endMs - skipped.startMs).toBe(0);
    expect(before.endMs).toBe(after.startMs);
    expect(apia.dateAt(after.startMs)).toBe('2011-12-31');
    expect(apia.dateAt(after.startMs - 1)).toBe('2011-12-29');
  });
});
