import { ActiveToday } from '../../src/monitor/active-today';
import { HOLDS_BOTH, HOLDS_NOTHING, HOLDS_USER } from '../../src/monitor/user-profile-pairs';

describe('ActiveToday', () => {
  const DAY = '2031-01-31';

  it('holds what Redis confirmed on its day only, and forgets it on a later day', () => {
    const active = new ActiveToday(10);
    active.confirm(DAY, ['alice'], ['alice', 'web', 'bob', 'app']);
    expect(active.holds(DAY, 'alice', 'web')).toBe(HOLDS_BOTH);
    expect(active.holds(DAY, 'alice', 'app')).toBe(HOLDS_USER);
    expect(active.holds(DAY, 'bob')).toBe(HOLDS_BOTH);
    expect(active.holds('2031-01-30', 'alice')).toBe(HOLDS_NOTHING);
    // An older day's confirmation (a replay) changes nothing; a later day starts afresh.
    active.confirm('2031-01-30', ['carol'], []);
    expect(active.holds(DAY, 'alice')).toBe(HOLDS_BOTH);
    active.confirm('2031-02-01', ['carol'], []);
    expect(active.holds(DAY, 'alice')).toBe(HOLDS_NOTHING);
    expect(active.holds('2031-02-01', 'carol')).toBe(HOLDS_BOTH);
  });

  it('at its limit of users still remembers new pairs of the users it holds', () => {
    const active = new ActiveToday(3);
    active.confirm(DAY, ['alice', 'bob', 'carol', 'dave'], []);
    expect(active.holds(DAY, 'dave')).toBe(HOLDS_NOTHING);
    active.confirm(DAY, [], ['dave', 'web', 'alice', 'web', 'bob', 'app']);
    expect(active.holds(DAY, 'dave', 'web')).toBe(HOLDS_NOTHING);
    expect(active.holds(DAY, 'alice', 'web')).toBe(HOLDS_BOTH);
    expect(active.holds(DAY, 'bob', 'app')).toBe(HOLDS_BOTH);
    // Pairs have a limit of their own.
    active.confirm(DAY, [], ['carol', 'web', 'carol', 'app']);
    expect(active.holds(DAY, 'carol', 'web')).toBe(HOLDS_BOTH);
    expect(active.holds(DAY, 'carol', 'app')).toBe(HOLDS_USER);
  });
});
