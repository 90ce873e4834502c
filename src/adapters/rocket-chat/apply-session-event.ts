import type { SessionMonitor } from '../../monitor/session-monitor';
import type { SessionEvent } from './rocket-chat-events';

/**
 * Passes one session event to a monitor. A login for a connection the monitor does not hold is
 * either a live session it missed the connect of (`live`: opened, then logged in), or a REST
 * login's connection, which no socket backs and no close will end (`momentary`: opened, logged
 * in and closed at once, so the user counts for the day and no live session is left behind).
 */
export function applySessionEvent(
  monitor: SessionMonitor,
  event: SessionEvent,
  unknownLogin: 'live' | 'momentary',
): void {
  switch (event.kind) {
    case 'connected':
      monitor.open(event.info);
      return;
    case 'login':
      if (monitor.sessionUser(event.info.id) === undefined) {
        monitor.open(event.info);
        monitor.login(event.info.id, event.userId);
        if (unknownLogin === 'momentary') monitor.close(event.info.id);
        return;
      }
      monitor.login(event.info.id, event.userId);
      return;
    case 'logout':
      monitor.logout(event.connectionId);
      return;
    case 'disconnected':
      monitor.close(event.connectionId);
      return;
    case 'alive':
      return;
  }
}
