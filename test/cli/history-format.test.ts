import { csvField, toCsv } from '../../src/cli/csv';
import { humanDuration } from '../../src/cli/human-duration';
import { bar, barChart, sparkline } from '../../src/cli/terminal-chart';

describe('CSV (RFC 4180)', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    [' padded', '" padded"'],
    [12345, '12345'],
    [true, 'true'],
    [null, ''],
    [undefined, ''],
  ])('field %j → %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('writes a header and one CRLF-terminated record a row, in column order', () => {
    expect(
      toCsv(
        ['date', 'n', 'note'],
        [
          { n: 1, date: '2026-11-20', note: 'x,y' },
          { date: '2026-11-21', n: 0, note: null },
        ],
      ),
    ).toBe('date,n,note\r\n2026-11-20,1,"x,y"\r\n2026-11-21,0,\r\n');
  });
});

describe('terminal chart', () => {
  it('bar: full cells plus eighths, nothing for 0, a sliver for tiny values', () => {
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(5, 10, 4)).toBe('██');
    expect(bar(9, 16, 2)).toBe('█▏');
    expect(bar(0, 10, 4)).toBe('');
    expect(bar(1, 1_000_000, 4)).toBe('▏');
    expect(bar(5, 0, 4)).toBe('');
  });

  it('sparkline: one character a value on one scale, blank for 0', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe(' ▁▂▄█');
    expect(sparkline([3, 3])).toBe('██');
    expect(sparkline([0, 0])).toBe('  ');
    expect(sparkline([])).toBe('');
  });

  it('barChart: a row per label and series, all series on one scale', () => {
    const chart = barChart(
      ['2026-11-20', '2026-11-21'],
      [
        { name: 'DAU', values: [216, 108] },
        { name: 'peak SAU', values: [117, 0] },
      ],
      8,
    );
    expect(chart.split('\n')).toEqual([
      '2026-11-20  DAU       ████████ 216',
      '            peak SAU  ████▍    117',
      '2026-11-21  DAU       ████     108',
      '            peak SAU           0',
      '',
    ]);
  });

  it('sparkline on a scale given from outside', () => {
    expect(sparkline([4, 8], 16)).toBe('▂▄');
  });
});

describe('humanDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [725, '12m 5s'],
    [3600, '1h'],
    [12_000, '3h 20m'],
    [187_200, '2d 4h'],
    [90_061, '1d 1h'],
  ])('%d s → %s', (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });
});
