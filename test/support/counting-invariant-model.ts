import {
  BAD_INPUT,
  INSTANCES,
  type Command,
  type SessionCommand,
} from './counting-invariant-commands';

// The in-memory model of the counting invariants: what Redis should hold after a sequence of
// monitor commands, computed without Redis.

/** Live sessions of every instance: session id → user id ('' when anonymous). */
class LiveState {
  readonly sessions = Array.from({ length: INSTANCES }, () => new Map<string, string>());

  /** Applies one event as the monitor and the script define it; tells what it changed. */
  apply(cmd: SessionCommand): 'opened' | 'login' | 'relogin' | 'closed' | 'unknown' | 'none' {
    const live = this.sessions[cmd.inst];
    const current = live.get(cmd.sid);
    switch (cmd.kind) {
      case 'open':
        if (current !== undefined) return 'none';
        live.set(cmd.sid, '');
        return 'opened';
      case 'login':
        if (current === undefined) return 'unknown';
        live.set(cmd.sid, cmd.user);
        return current === cmd.user ? 'relogin' : 'login';
      case 'logout':
        if (current) live.set(cmd.sid, '');
        return 'none';
      case 'close':
        return live.delete(cmd.sid) ? 'closed' : 'none';
    }
  }

  /** user → number of live sessions it is logged in on, over every instance. */
  liveUsers(): Map<string, number> {
    const users = new Map<string, number>();
    for (const live of this.sessions) {
      for (const u of live.values()) if (u) users.set(u, (users.get(u) ?? 0) + 1);
    }
    return users;
  }

  get liveSessions(): number {
    return this.sessions.reduce((n, live) => n + live.size, 0);
  }

  get anonymousSessions(): number {
    return this.sessions.reduce((n, live) => n + [...live.values()].filter((u) => !u).length, 0);
  }
}

/** What Redis should hold, computed without Redis. */
export class Model {
  /** State after every event so far, in call order. */
  readonly state = new LiveState();
  readonly errors = Array.from({ length: INSTANCES }, () => [] as string[]);
  readonly activeUsers = new Set<string>();
  opened = 0;
  closed = 0;
  logins = 0;
  /**
   * Peak SAU depends on the order events of different instances reach Redis: each instance sends
   * the events of one flush as one atomic batch, instance 0 first (flush() starts them in order).
   * So the peak is computed on a second state that gets each flush's events instance by instance.
   */
  peakUsers = 0;
  private readonly batched = new LiveState();
  private pending = Array.from({ length: INSTANCES }, () => [] as SessionCommand[]);

  apply(cmd: Command): void {
    if (cmd.kind === 'bad') {
      this.errors[cmd.inst].push(BAD_INPUT[cmd.bad].code);
      return;
    }
    if (
      cmd.kind !== 'open' &&
      cmd.kind !== 'login' &&
      cmd.kind !== 'logout' &&
      cmd.kind !== 'close'
    )
      return;
    const change = this.state.apply(cmd);
    if (change === 'unknown') this.errors[cmd.inst].push('UNKNOWN_SESSION');
    if (change === 'opened') this.opened++;
    if (change === 'closed') this.closed++;
    if (change === 'login') this.logins++;
    if (change === 'login' || change === 'relogin')
      this.activeUsers.add((cmd as { user: string }).user);
    this.pending[cmd.inst].push(cmd);
  }

  /** Every instance's queued events reached Redis, one batch per instance in instance order. */
  flushed(): void {
    for (const batch of this.pending) {
      for (const cmd of batch) {
        if (this.batched.apply(cmd) === 'login') {
          this.peakUsers = Math.max(this.peakUsers, this.batched.liveUsers().size);
        }
      }
    }
    this.pending = this.pending.map(() => []);
  }
}
