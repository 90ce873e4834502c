import { decodeDate, decodeId, decodeNumber } from '../../src/import/extended-json';
import { mapSessionDocument } from '../../src/import/session-record';

const MS = Date.parse('2023-11-14T22:13:20.000Z');

describe('Extended JSON decoding', () => {
  it('reads canonical and relaxed dates', () => {
    expect(decodeDate({ $date: { $numberLong: String(MS) } })).toBe(MS);
    expect(decodeDate({ $date: '2023-11-14T22:13:20.000Z' })).toBe(MS);
    expect(decodeDate({ $date: '2023-11-14T23:13:20+01:00' })).toBe(MS);
    expect(decodeDate({ $date: MS })).toBe(MS);
    expect(decodeDate('2023-11-14T22:13:20Z')).toBe(MS);
    expect(decodeDate({ $date: { $numberLong: '-1000' } })).toBe(-1000);
  });

  it('refuses what is not a date', () => {
    for (const bad of [
      undefined,
      null,
      'yesterday',
      '3',
      { $date: 'x' },
      { $date: {} },
      [],
      {},
      NaN,
    ]) {
      expect(decodeDate(bad)).toBeUndefined();
    }
  });

  it('reads numbers and ids', () => {
    expect(decodeNumber({ $numberLong: '42' })).toBe(42);
    expect(decodeNumber({ $numberInt: '7' })).toBe(7);
    expect(decodeNumber({ $numberDouble: '1.5' })).toBe(1.5);
    expect(decodeNumber({ $numberLong: 'x' })).toBeUndefined();
    expect(decodeId({ $oid: '65a1b2c3d4e5f60718293a4b' })).toBe('65a1b2c3d4e5f60718293a4b');
    expect(decodeId('abc')).toBe('abc');
    expect(decodeId('')).toBeUndefined();
    expect(decodeId({ $numberInt: '5' })).toBe('5');
  });
});

describe('session documents', () => {
  const base = {
    type: 'session',
    sessionId: 's',
    userId: 'u',
    loginAt: { $date: '2023-11-14T22:13:20Z' },
  };

  it('takes the end from lastActivityAt, closedAt, then logoutAt', () => {
    const at = (iso: string) => ({ $date: iso });
    const doc = {
      ...base,
      closedAt: at('2023-11-14T22:20:00Z'),
      logoutAt: at('2023-11-14T22:30:00Z'),
    };
    expect(mapSessionDocument(doc)).toMatchObject({
      record: { endMs: Date.parse('2023-11-14T22:20:00Z') },
    });
    expect(
      mapSessionDocument({ ...doc, lastActivityAt: at('2023-11-14T22:15:00Z') }),
    ).toMatchObject({
      record: { endMs: Date.parse('2023-11-14T22:15:00Z') },
    });
  });

  it('drops an end before the start, and clamps sessions to one day', () => {
    expect(
      mapSessionDocument({ ...base, logoutAt: { $date: '2023-11-13T00:00:00Z' } }),
    ).toMatchObject({
      record: { endMs: undefined },
    });
    expect(
      mapSessionDocument({ ...base, lastActivityAt: { $date: '2023-11-20T00:00:00Z' } }),
    ).toMatchObject({
      record: { endMs: MS + 86_400_000 },
    });
  });

  it('skips aggregates, anonymous sessions and dateless ones', () => {
    expect(mapSessionDocument({ ...base, type: 'computed-session' })).toEqual({
      skip: 'notSession',
    });
    expect(mapSessionDocument({ ...base, type: 'user_daily' })).toEqual({ skip: 'notSession' });
    expect(mapSessionDocument({ ...base, userId: undefined })).toEqual({ skip: 'noUser' });
    expect(mapSessionDocument({ ...base, loginAt: 'soon' })).toEqual({ skip: 'badDate' });
    expect(mapSessionDocument([1])).toEqual({ skip: 'badJson' });
  });
});
