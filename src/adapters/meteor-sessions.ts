import type { SessionInfo } from '../monitor/session-input';
import type { MeteorConnection, MeteorLike, MeteorServerSession } from './meteor-types';

/** Meteor's list of live DDP sessions, read the way each Meteor version keeps it. */
export class MeteorSessionList {
  constructor(private readonly meteor: MeteorLike) {}

  /** Every listed session, or undefined when Meteor has no readable list. */
  all(): MeteorServerSession[] | undefined {
    const sessions = this.meteor.server?.sessions;
    if (!sessions) return undefined;
    if (sessions instanceof Map) return [...sessions.values()];
    if (typeof sessions === 'object') return Object.values(sessions);
    return undefined;
  }

  /** The session of a connection while Meteor lists it. */
  get(id: string): MeteorServerSession | undefined {
    const sessions = this.meteor.server?.sessions;
    if (sessions instanceof Map) return sessions.get(id);
    if (sessions && typeof sessions === 'object' && Object.hasOwn(sessions, id)) {
      return (sessions as Record<string, MeteorServerSession>)[id];
    }
    return undefined;
  }

  /** True unless Meteor's session list says the connection is gone (or cannot be read). */
  stillConnected(id: string): boolean {
    const sessions = this.meteor.server?.sessions;
    if (sessions instanceof Map) return sessions.has(id);
    if (sessions && typeof sessions === 'object') return Object.hasOwn(sessions, id);
    return true;
  }
}

/** What the monitor's open() takes, from a Meteor connection object. */
export function sessionInfoOf(id: string, connection: MeteorConnection | undefined): SessionInfo {
  const headers = connection?.httpHeaders ?? undefined;
  const userAgent = headers?.['user-agent'];
  return {
    id,
    clientAddress: connection?.clientAddress ?? undefined,
    userAgent: Array.isArray(userAgent) ? userAgent[0] : userAgent,
    httpHeaders: headers,
  };
}
