import type { Command } from 'commander';
import { SauReaper } from '../../monitor/sau-reaper';
import { withReader } from '../with-reader';

interface ReapOptions {
  dryRun?: boolean;
}

/** `sau-cli reap`: close the sessions of instances whose lease lapsed, now, with progress. */
export function registerReapCommand(program: Command): Command {
  return program
    .command('reap')
    .description("close dead instances' sessions now, at their last heartbeat")
    .option('--dry-run', 'only list the instances that would be reaped')
    .action(async (options: ReapOptions, command: Command) => {
      await withReader(command, async ({ reader, output, client, globals }) => {
        if (options.dryRun) {
          const dead = await reader.deadInstances();
          if (output.json) {
            output.document(dead);
            return;
          }
          output.document({
            lapsed: dead.lapsed.length > 0 ? dead.lapsed : '(none)',
            reaping: dead.reaping.map((d) => ({
              instance: d.instanceId,
              incarnation: d.incarnation,
              lastHeartbeat: d.heartbeatMs > 0 ? new Date(d.heartbeatMs).toISOString() : null,
            })),
          });
          return;
        }
        let progressShown = false;
        // Reaping writes: the writer's SauReaper, on the same connection.
        const reaper = new SauReaper({
          redis: client,
          namespace: globals.namespace,
          timezone: globals.timezone,
        });
        const report = await reaper.reap((p) => {
          progressShown = true;
          const total = p.closed + p.left;
          output.progress(
            `reaped ${p.closed.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} sessions of ${p.instanceId}`,
          );
        });
        if (progressShown) output.progress('', true);
        output.document({ instances: report.instances, sessions: report.sessions });
      });
    });
}
