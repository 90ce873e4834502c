import { performance } from 'node:perf_hooks';
import type { SessionMonitor } from '../../src';
import type { NowStats } from '../../src/reader/stats-types';
import { seededRandom as prng } from '../../src/demo/random';

/**
 * Random open / login / logout / close traffic over several monitors, mirrored in a model of what
 * Redis must end up holding, with the time every call took.
 */
export class Workload {
  /** Per monitor: live session id → user id ('' when anonymous), as the application sees it. */
  readonly sessions: Map<string, string>[];
  /** Every user who logged in since the start. */
  readonly everLoggedIn = new Set<string>();
  /** Users who logged in since the last `startPhase()`. */
  phaseLogins = new Set<string>();
  calls = 0;
  /** How long every open/login/logout/close call since the last `startPhase()` took (ms). */
  phaseCallMs: number[] = [];
  private readonly random: () => number;
  private nextSession = 0;

  constructor(
    private readonly monitors: SessionMonitor[],
    private readonly label: string,
    seed: number,
    private readonly userPool = 150,
  ) {
    this.sessions = monitors.map(() => new Map());
    this.random = prng(seed);
  }

  startPhase(): void {
    this.phaseLogins = new Set();
    this.phaseCallMs = [];
  }

  /** `count` random events; each call is timed on its own. */
  step(count: number): void {
    for (let n = 0; n < count; n++) {
      const m = Math.floor(this.random() * this.monitors.length);
      const monitor = this.monitors[m];
      const own = this.sessions[m];
      const r = this.random();
      if (own.size < 20 || r < 0.3) {
        const id = `${this.label}-${m}-${this.nextSession++}`;
        own.set(id, '');
        this.time(() => monitor.open({ id }));
        continue;
      }
      const ids = [...own.keys()];
      const id = ids[Math.floor(this.random() * ids.length)];
      if (r < 0.65) {
        const user = `user-${Math.floor(this.random() * this.userPool)}`;
        own.set(id, user);
        this.everLoggedIn.add(user);
        this.phaseLogins.add(user);
        this.time(() => monitor.login(id, user));
      } else if (r < 0.82) {
        own.set(id, '');
        this.time(() => monitor.logout(id));
      } else {
        own.delete(id);
        this.time(() => monitor.close(id));
      }
    }
  }

  /** Keeps the traffic going in small bursts for `ms`, yielding to the event loop between them. */
  async runFor(ms: number, burst = 8): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      this.step(burst);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** What `stats().now` must say once every event is in Redis. */
  expectedNow(): NowStats {
    const users = new Set<string>();
    let sessions = 0;
    let anonymousSessions = 0;
    for (const own of this.sessions) {
      for (const user of own.values()) {
        sessions++;
        if (user) users.add(user);
        else anonymousSessions++;
      }
    }
    return { users: users.size, sessions, anonymousSessions, instances: this.monitors.length };
  }

  private time(call: () => void): void {
    const started = performance.now();
    call();
    const took = performance.now() - started;
    this.calls++;
    this.phaseCallMs.push(took);
  }
}
