import type { BreakdownDimension } from '../../src/session/breakdown-dimensions';
import type { SessionMeta } from '../../src/session/session-meta';
import { METAS, META_INSTANCES, type MetaCommand } from './breakdown-invariant-commands';

// The in-memory model of the breakdown invariants: the live sessions with their metadata, and
// what the day breakdowns must hold, computed without Redis.

/** A session's value in each dimension, as the day breakdowns count it. */
function valuesOf(meta: SessionMeta): Record<BreakdownDimension, string> {
  const v = (text: string) => text || 'unknown';
  return { device: v(meta.deviceType), os: v(meta.osName), browser: v(meta.clientName) };
}

/** Live sessions and what the day breakdowns must hold, by the scripts' rules, without Redis. */
export class MetaModel {
  readonly live = Array.from(
    { length: META_INSTANCES },
    () => new Map<string, { user: string; meta: SessionMeta }>(),
  );
  /** dimension → value → sessions opened today. */
  readonly opened = new Map<string, number>();
  /** "dimension\0value\0user" of every user active on a session with that value. */
  readonly pairs = new Set<string>();

  apply(cmd: Exclude<MetaCommand, { kind: 'send' | 'resend' | 'check' }>): void {
    const live = this.live[cmd.inst];
    const current = live.get(cmd.sid);
    switch (cmd.kind) {
      case 'open':
        if (current) return;
        live.set(cmd.sid, { user: '', meta: METAS[cmd.meta] });
        for (const [by, value] of Object.entries(valuesOf(METAS[cmd.meta]))) {
          const key = `${by}\0${value}`;
          this.opened.set(key, (this.opened.get(key) ?? 0) + 1);
        }
        return;
      case 'restore':
        if (current) return;
        live.set(cmd.sid, { user: cmd.user, meta: METAS[cmd.meta] });
        if (cmd.user) this.active(METAS[cmd.meta], cmd.user);
        return;
      case 'login':
        if (!current) return;
        current.user = cmd.user;
        this.active(current.meta, cmd.user);
        return;
      case 'logout':
        if (current) current.user = '';
        return;
      case 'close':
        live.delete(cmd.sid);
        return;
    }
  }

  private active(meta: SessionMeta, user: string): void {
    for (const [by, value] of Object.entries(valuesOf(meta)))
      this.pairs.add(`${by}\0${value}\0${user}`);
  }

  /** Live sessions (and logged-in ones) per value of one dimension. */
  liveBy(by: BreakdownDimension): { sessions: Map<string, number>; loggedIn: Map<string, number> } {
    const sessions = new Map<string, number>();
    const loggedIn = new Map<string, number>();
    for (const live of this.live) {
      for (const { user, meta } of live.values()) {
        const value = valuesOf(meta)[by];
        sessions.set(value, (sessions.get(value) ?? 0) + 1);
        if (user) loggedIn.set(value, (loggedIn.get(value) ?? 0) + 1);
      }
    }
    return { sessions, loggedIn };
  }
}
