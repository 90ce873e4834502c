import { RecentLogins } from '../../src/monitor/recent-logins';

describe('RecentLogins', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 0;
  });

  it('keeps user-days for the window after their acknowledgement, grouped by date', () => {
    const logins = new RecentLogins(1000, 10, now);
    logins.record('2031-01-31', ['alice']);
    clock = 400;
    logins.record('2031-02-01', ['bob']);
    logins.record('2031-01-31', ['carol']);
    expect(logins.byDate()).toEqual(
      new Map([
        ['2031-01-31', ['alice', 'carol']],
        ['2031-02-01', ['bob']],
      ]),
    );
    clock = 1001; // alice is past the window, bob and carol are not
    expect(logins.byDate()).toEqual(
      new Map([
        ['2031-02-01', ['bob']],
        ['2031-01-31', ['carol']],
      ]),
    );
    clock = 1401;
    expect(logins.byDate().size).toBe(0);
    expect(logins.size).toBe(0);
  });

  it('holds a user-day once, renewed by a later acknowledgement', () => {
    const logins = new RecentLogins(1000, 10, now);
    logins.record('2031-01-31', ['alice']);
    clock = 900;
    logins.record('2031-01-31', ['alice']);
    expect(logins.size).toBe(1);
    clock = 1500;
    expect(logins.byDate()).toEqual(new Map([['2031-01-31', ['alice']]]));
  });

  it('drops the oldest past its bound, and keeps nothing with a window of 0', () => {
    const bounded = new RecentLogins(1000, 2, now);
    for (const user of ['u1', 'u2', 'u3']) bounded.record('2031-01-31', [user]);
    expect(bounded.byDate()).toEqual(new Map([['2031-01-31', ['u2', 'u3']]]));
    const off = new RecentLogins(0, 10, now);
    off.record('2031-01-31', ['alice']);
    expect(off.size).toBe(0);
  });

  it('takes a batch of users at one instant: each once, the bound kept, all expiring together', () => {
    const logins = new RecentLogins(1000, 3, now);
    logins.record('2031-01-31', ['u1', 'u2', 'u1', 'u3', 'u4']);
    expect(logins.byDate()).toEqual(new Map([['2031-01-31', ['u2', 'u3', 'u4']]]));
    clock = 500;
    logins.record('2031-01-31', []);
    logins.record('2031-02-01', ['u2']);
    expect(logins.size).toBe(3);
    clock = 1000;
    expect(logins.byDate()).toEqual(
      new Map([
        ['2031-01-31', ['u3', 'u4']],
        ['2031-02-01', ['u2']],
      ]),
    );
    clock = 1001;
    expect(logins.byDate()).toEqual(new Map([['2031-02-01', ['u2']]]));
  });
});
