import type { SessionMonitor } from '../../src';
import type { NowStats } from '../../src/reader/stats-types';
import { Workload } from '../faults/outage-workload';

/**
 * The events of the Sentinel failover test (test/faults/sentinel-failover) and the model of what
 * Redis must hold after them: random traffic on the two replaying monitors (web-a, web-b), and
 * scripted events only on the control one, so that the test knows exactly which of its writes
 * the failover lost. `all` is web-a, web-b, web-control, in this order.
 */
export function modelFailoverTraffic(all: SessionMonitor[]) {
  const [a, b, control] = all;
  const workload = new Workload([a, b], 'fo', 0xfa11);
  const controlSessions = new Map<string, string>();
  const expectedNow = (): NowStats => {
    const main = workload.expectedNow();
    const users = new Set<string>();
    for (const own of workload.sessions) for (const user of own.values()) if (user) users.add(user);
    for (const user of controlSessions.values()) if (user) users.add(user);
    let anonymous = 0;
    for (const user of controlSessions.values()) if (!user) anonymous++;
    return {
      users: users.size,
      sessions: main.sessions + controlSessions.size,
      anonymousSessions: main.anonymousSessions + anonymous,
      instances: all.length,
    };
  };
  /** Does one event on a monitor and in the model of what Redis must hold. */
  const act = (
    monitor: SessionMonitor,
    op: 'open' | 'login' | 'logout' | 'close',
    id: string,
    user = '',
  ): void => {
    const model = monitor === control ? controlSessions : workload.sessions[monitor === a ? 0 : 1];
    if (op === 'open') {
      model.set(id, '');
      monitor.open({ id });
    } else if (op === 'login') {
      model.set(id, user);
      if (monitor !== control) workload.everLoggedIn.add(user);
      monitor.login(id, user);
    } else if (op === 'logout') {
      model.set(id, '');
      monitor.logout(id);
    } else {
      model.delete(id);
      monitor.close(id);
    }
  };
  return { workload, expectedNow, act };
}
