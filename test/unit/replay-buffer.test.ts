import { ReplayBuffer } from '../../src/monitor/replay-buffer';

describe('ReplayBuffer', () => {
  it('forgets logins confirmed on their own day and keeps earlier days for replay', () => {
    const buffer = new ReplayBuffer(10);
    buffer.record('2031-01-31', 'alice', 0);
    buffer.record('2031-01-31', 'bob', 3);
    buffer.record('2031-02-01', 'carol', 5);
    expect(buffer.size).toBe(3);
    // Events 0..3 reached Redis on day two: alice is due for day one; bob (seq 3) is not confirmed.
    buffer.confirm(3, '2031-02-01');
    expect(buffer.nextDue()).toEqual({ date: '2031-01-31', userIds: ['alice'] });
    expect(buffer.size).toBe(3);
    buffer.confirm(6, '2031-02-01');
    expect(buffer.nextDue()).toEqual({ date: '2031-01-31', userIds: ['alice', 'bob'] });
    expect(buffer.size).toBe(2); // carol was counted on her own day
    buffer.replayed('2031-01-31', ['alice', 'bob']);
    expect(buffer.nextDue()).toBeUndefined();
    expect(buffer.hasDue).toBe(false);
    expect(buffer.size).toBe(0);
  });

  it('moves a user who logs in again behind newer logins, and holds one user-day once', () => {
    const buffer = new ReplayBuffer(10);
    buffer.record('2031-01-31', 'alice', 1);
    buffer.record('2031-01-31', 'bob', 2);
    buffer.record('2031-01-31', 'alice', 7);
    expect(buffer.size).toBe(2);
    buffer.confirm(3, '2031-02-01');
    // Alice's latest login (7) is not confirmed yet; bob is.
    expect(buffer.nextDue()).toEqual({ date: '2031-01-31', userIds: ['bob'] });
    buffer.confirm(8, '2031-02-01');
    expect(buffer.nextDue()).toEqual({ date: '2031-01-31', userIds: ['bob', 'alice'] });
    expect(buffer.size).toBe(2);
  });

  it('replays the oldest day first, and drops days a fast local clock stamped ahead of Redis', () => {
    const buffer = new ReplayBuffer(10);
    buffer.record('2031-02-02', 'early', 0);
    buffer.record('2031-01-30', 'x', 1);
    buffer.record('2031-01-29', 'y', 2);
    buffer.confirm(3, '2031-02-01');
    expect(buffer.nextDue()).toEqual({ date: '2031-01-29', userIds: ['y'] });
    buffer.replayed('2031-01-29', ['y']);
    expect(buffer.nextDue()).toEqual({ date: '2031-01-30', userIds: ['x'] });
    expect(buffer.size).toBe(1);
  });

  it('counts logins beyond its bound as overflow instead of growing', () => {
    const buffer = new ReplayBuffer(2);
    expect(buffer.record('d', 'a', 0)).toBe(true);
    expect(buffer.record('d', 'b', 1)).toBe(true);
    expect(buffer.record('d', 'c', 2)).toBe(false);
    expect(buffer.record('d', 'a', 3)).toBe(true); // already held: no new user-day
    expect(buffer.size).toBe(2);
    expect(buffer.overflow).toBe(1);
  });
});
