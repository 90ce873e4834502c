import type { Command } from 'commander';
import { runDoctor } from '../../diagnostics/doctor';
import { Keys } from '../../keys';
import { ZonedCalendar } from '../../time/zoned-calendar';
import { createRedis } from '../connect';
import { CliError } from '../cli-error';
import { ExitCode } from '../exit-code';
import { globalOptions } from '../global-options';
import { Output } from '../output';

/**
 * `sau-cli doctor`: Redis version, persistence, eviction policy, ACL rights, leases and clock, as
 * a table or JSON. Exits 1 when any check fails (warnings exit 0).
 */
export function registerDoctorCommand(program: Command): Command {
  return program
    .command('doctor')
    .description(
      'check the Redis of a namespace: version, persistence, maxmemory-policy, ACL rights, leases, clock',
    )
    .action(async (_options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const output = new Output({ json: globals.json });
      // Checked before connecting, so a typo is a usage error even without Redis.
      new Keys(globals.namespace);
      new ZonedCalendar(globals.timezone);
      const redis = createRedis(globals.redisUrl, globals.tls);
      try {
        await redis.connect();
        const report = await runDoctor({
          redis: redis.client,
          namespace: globals.namespace,
          timezone: globals.timezone,
        });
        output.document(output.json ? report : { checks: report.checks });
        if (!report.ok) {
          const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.name);
          throw new CliError(`doctor: failed: ${failed.join(', ')}`, ExitCode.FAILURE);
        }
      } finally {
        await redis.close();
      }
    });
}
