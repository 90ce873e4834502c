// Plain YYYY-MM-DD dates, no zone: reading them, refusing dates that do not exist, adding days.
import fc from 'fast-check';
import { ZonedCalendar, addDays, parseDate } from '../../src/time/zoned-calendar';

describe('parseDate', () => {
  it.each([
    ['2024-02-29', { y: 2024, m: 2, d: 29 }],
    ['2000-02-29', { y: 2000, m: 2, d: 29 }],
    ['1999-12-31', { y: 1999, m: 12, d: 31 }],
    ['2026-01-01', { y: 2026, m: 1, d: 1 }],
  ])('reads %s', (date, parts) => {
    expect(parseDate(date)).toEqual(parts);
  });

  it.each([
    '2023-02-29',
    '1900-02-29',
    '2100-02-29',
    '2024-04-31',
    '2024-13-01',
    '2024-00-10',
    '2024-01-00',
  ])('refuses %s, which does not exist', (date) => {
    expect(() => parseDate(date)).toThrow(RangeError);
    expect(() => parseDate(date)).toThrow(/does not exist/);
  });

  it.each([
    '2024-1-01',
    '20240101',
    ' 2024-01-01',
    '2024-01-01T00:00',
    '24-01-01',
    '',
    'yesterday',
  ])('refuses %j, which is not YYYY-MM-DD', (date) => {
    expect(() => parseDate(date)).toThrow(/is not YYYY-MM-DD/);
  });

  it('refuses a bad date in ZonedCalendar.day too', () => {
    expect(() => new ZonedCalendar('UTC').day('2023-02-29')).toThrow(RangeError);
  });
});

describe('addDays', () => {
  it.each([
    ['2024-02-28', 1, '2024-02-29'],
    ['2024-02-28', 2, '2024-03-01'],
    ['2023-02-28', 1, '2023-03-01'],
    ['2000-02-28', 1, '2000-02-29'],
    ['1900-02-28', 1, '1900-03-01'],
    ['2024-03-01', -1, '2024-02-29'],
    ['2024-12-31', 1, '2025-01-01'],
    ['2025-01-01', -1, '2024-12-31'],
    ['2025-01-01', -366, '2024-01-01'],
    ['2024-03-31', -30, '2024-03-01'],
    ['2024-10-27', 0, '2024-10-27'],
    ['2024-01-01', 400, '2025-02-04'],
  ] as const)('%s %+d days is %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it('is the inverse of itself', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
        fc.integer({ min: -1000, max: 1000 }),
        (at, days) => {
          const date = at.toISOString().slice(0, 10);
          expect(addDays(addDays(date, days), -days)).toBe(date);
        },
      ),
    );
  });

  it('refuses a date that does not exist', () => {
    expect(() => addDays('2023-02-29', 1)).toThrow(RangeError);
  });
});
