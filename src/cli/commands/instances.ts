import type { Command } from 'commander';
import type { InstanceInfo } from '../../reader/instances';
import { humanDuration } from '../human-duration';
import { withReader } from '../with-reader';

/** `sau-cli instances`: every instance's lease state, heartbeat age, incarnation and sessions. */
export function registerInstancesCommand(program: Command): Command {
  return program
    .command('instances')
    .description('instances: lease state, heartbeat age, sessions, incarnation')
    .action(async (_options: object, command: Command) => {
      await withReader(command, async ({ reader, output }) => {
        const found = await reader.instances();
        if (output.json) {
          output.document(found);
          return;
        }
        output.document({
          namespace: found.namespace,
          at: found.at,
          instances: found.instances.map(humanRow),
        });
      });
    });
}

function humanRow(i: InstanceInfo): Record<string, unknown> {
  return {
    instance: i.instanceId,
    state: i.state,
    sessions: i.sessions,
    lease: i.leaseExpiresInMs === null ? null : signedAge(i.leaseExpiresInMs),
    heartbeat: i.heartbeatAgeMs === null ? null : `${humanDuration(i.heartbeatAgeMs / 1000)} ago`,
    incarnation: i.incarnation,
    timezone: i.timezone,
    host: i.host,
    pid: i.pid === null ? null : String(i.pid),
    registeredAt: i.registeredAt,
  };
}

/** A lease's time left: `in 12s`, or `lapsed 3m 2s ago`. */
function signedAge(ms: number): string {
  return ms >= 0 ? `in ${humanDuration(ms / 1000)}` : `lapsed ${humanDuration(-ms / 1000)} ago`;
}
