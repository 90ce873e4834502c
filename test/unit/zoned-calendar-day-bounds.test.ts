// Where a zone's local days start and end: 24-hour UTC days, days of 23, 25, 23.5 or 24.5 hours
// where summer time starts or ends, Intl's dates for random instants; and the zones it refuses.
import fc from 'fast-check';
import { ZonedCalendar, addDays } from '../../src/time/zoned-calendar';
import { ConfigError } from '../../src/errors/config-error';
import { intlDate } from '../support/intl-date';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('ZonedCalendar', () => {
  describe('day bounds', () => {
    it('gives UTC days of 24 hours starting at midnight UTC, and the end of their month', () => {
      const day = new ZonedCalendar('UTC').day('2024-03-10');
      expect(day).toEqual({
        date: '2024-03-10',
        month: '2024-03',
        startMs: Date.UTC(2024, 2, 10),
        endMs: Date.UTC(2024, 2, 11),
        monthEndMs: Date.UTC(2024, 3, 1),
      });
      const december = new ZonedCalendar('UTC').day('2024-12-31');
      expect(iso(december.endMs)).toBe('2025-01-01T00:00:00.000Z');
      expect(iso(december.monthEndMs)).toBe('2025-01-01T00:00:00.000Z');
    });

    it.each([
      // Europe/Berlin: 23 hours when summer time starts, 25 when it ends.
      ['Europe/Berlin', '2024-01-15', '2024-01-14T23:00:00.000Z', 24, '2024-01-31T23:00:00.000Z'],
      ['Europe/Berlin', '2024-03-31', '2024-03-30T23:00:00.000Z', 23, '2024-03-31T22:00:00.000Z'],
      ['Europe/Berlin', '2024-10-27', '2024-10-26T22:00:00.000Z', 25, '2024-10-31T23:00:00.000Z'],
      // America/Sao_Paulo (2018/19): summer time began at midnight, so 2018-11-04 starts at 01:00.
      [
        'America/Sao_Paulo',
        '2018-11-03',
        '2018-11-03T03:00:00.000Z',
        24,
        '2018-12-01T02:00:00.000Z',
      ],
      [
        'America/Sao_Paulo',
        '2018-11-04',
        '2018-11-04T03:00:00.000Z',
        23,
        '2018-12-01T02:00:00.000Z',
      ],
      [
        'America/Sao_Paulo',
        '2019-02-16',
        '2019-02-16T02:00:00.000Z',
        25,
        '2019-03-01T03:00:00.000Z',
      ],
      [
        'America/Sao_Paulo',
        '2019-02-17',
        '2019-02-17T03:00:00.000Z',
        24,
        '2019-03-01T03:00:00.000Z',
      ],
      // America/Havana still skips midnight in March.
      ['America/Havana', '2024-03-10', '2024-03-10T05:00:00.000Z', 23, '2024-04-01T04:00:00.000Z'],
      ['America/Havana', '2024-11-03', '2024-11-03T04:00:00.000Z', 25, '2024-12-01T05:00:00.000Z'],
      // Odd offsets and half-hour summer time.
      ['Asia/Kathmandu', '2024-06-01', '2024-05-31T18:15:00.000Z', 24, '2024-06-30T18:15:00.000Z'],
      [
        'Pacific/Kiritimati',
        '2024-06-01',
        '2024-05-31T10:00:00.000Z',
        24,
        '2024-06-30T10:00:00.000Z',
      ],
      [
        'Australia/Lord_Howe',
        '2024-04-07',
        '2024-04-06T13:00:00.000Z',
        24.5,
        '2024-04-30T13:30:00.000Z',
      ],
      [
        'Australia/Lord_Howe',
        '2024-10-06',
        '2024-10-05T13:30:00.000Z',
        23.5,
        '2024-10-31T13:00:00.000Z',
      ],
    ] as const)('%s %s starts at %s and lasts %d hours', (zone, date, start, hours, monthEnd) => {
      const day = new ZonedCalendar(zone).day(date);
      expect(day.date).toBe(date);
      expect(day.month).toBe(date.slice(0, 7));
      expect(iso(day.startMs)).toBe(start);
      expect((day.endMs - day.startMs) / HOUR).toBe(hours);
      expect(iso(day.monthEndMs)).toBe(monthEnd);
    });

    it('puts each instant in the local day that contains it', () => {
      const berlin = new ZonedCalendar('Europe/Berlin');
      const day = berlin.day('2024-10-27');
      expect(berlin.dayAt(day.startMs).date).toBe('2024-10-27');
      expect(berlin.dayAt(day.endMs - 1).date).toBe('2024-10-27');
      expect(berlin.dayAt(day.endMs).date).toBe('2024-10-28');
      expect(berlin.dayAt(day.startMs - 1).date).toBe('2024-10-26');
      // 23:30 UTC on the 31st is already the 1st of the next month in Berlin.
      expect(berlin.dayAt(Date.parse('2024-12-31T23:30:00Z'))).toMatchObject({
        date: '2025-01-01',
        month: '2025-01',
      });
      expect(
        new ZonedCalendar('America/Los_Angeles').dateAt(Date.parse('2024-07-01T06:59:59Z')),
      ).toBe('2024-06-30');
    });

    it('agrees with Intl for random instants in many zones', () => {
      const zones = [
        'UTC',
        'Europe/Berlin',
        'America/Sao_Paulo',
        'America/Havana',
        'America/Los_Angeles',
        'Australia/Lord_Howe',
        'Asia/Kathmandu',
        'Pacific/Kiritimati',
        'Pacific/Chatham',
        'America/St_Johns',
        'Asia/Gaza',
      ];
      const calendars = new Map(zones.map((z) => [z, new ZonedCalendar(z)]));
      fc.assert(
        fc.property(
          fc.constantFrom(...zones),
          fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }),
          (zone, at) => {
            const calendar = calendars.get(zone)!;
            const day = calendar.dayAt(at);
            expect(calendar.dateAt(at)).toBe(day.date);
            const shown = intlDate(at, zone);
            if (shown !== day.date) {
              // Only where the clock went back across midnight: the date shown again after the
              // next day began belongs to that next day.
              expect(shown).toBe(addDays(day.date, -1));
              expect(at).toBeGreaterThan(day.startMs);
            }
            expect(day.startMs).toBeLessThanOrEqual(at);
            expect(day.endMs).toBeGreaterThan(at);
            // The bounds are the first instants of this day and of the next: days follow each
            // other without gap or overlap, whatever the clock shows twice or skips.
            expect(intlDate(day.startMs, zone)).toBe(day.date);
            expect(intlDate(day.endMs - 1, zone)).toBe(day.date);
            expect(calendar.dayAt(day.startMs - 1).endMs).toBe(day.startMs);
            const next = calendar.dayAt(day.endMs);
            expect(next.startMs).toBe(day.endMs);
            // The next date, or the one after where a date was skipped (Kiritimati, 1994-12-31).
            expect([addDays(day.date, 1), addDays(day.date, 2)]).toContain(next.date);
            const hours = (day.endMs - day.startMs) / HOUR;
            expect(hours).toBeGreaterThanOrEqual(22);
            expect(hours).toBeLessThanOrEqual(26);
            expect(intlDate(day.monthEndMs, zone).slice(0, 7)).not.toBe(day.month);
            expect(intlDate(day.monthEndMs - 1, zone).slice(0, 7)).toBe(day.month);
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('configuration', () => {
    it.each(['Mars/Olympus', 'Europe/Berln', '', 'UTC+1', 'not a zone'])(
      'refuses the zone %j with a ConfigError',
      (zone) => {
        let caught: unknown;
        try {
          new ZonedCalendar(zone);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(ConfigError);
        expect((caught as ConfigError).code).toBe('INVALID_TIMEZONE');
        expect((caught as ConfigError).message).toContain(JSON.stringify(zone));
      },
    );
  });
});
