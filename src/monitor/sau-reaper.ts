import { Keys } from '../keys';
import { connectQuietRedis, type RedisClient, type RedisInput } from '../redis/redis-client';
import { ScriptRunner } from '../scripts/script-runner';
import { closedLogLimitsOf } from '../scripts/closed-log-limits';
import { deadInstances, type DeadIncarnation } from '../scripts/commands/expired-leases';
import { ZonedCalendar } from '../time/zoned-calendar';
import { assertWriteOptions, writeOptionsOf } from './monitor-options';
import { Reaper, type ReapProgress, type ReapReport } from './reaper';

/** Options of `new SauReaper(...)`: use the monitors' values. */
export interface SauReaperOptions {
  /** URL, ioredis options, or an ioredis Redis/Cluster you own. Default redis://127.0.0.1:6379. */
  redis?: RedisInput;
  namespace?: string;
  /** IANA zone of day boundaries. Default `UTC`. */
  timezone?: string;
  /** Most sessions one close call handles. Default as the monitors' (250). */
  closeBatchSize?: number;
  /** Close calls in flight at most (1: one after the other). Default as the monitors' (3). */
  closeCallsInFlight?: number;
  /** Retention of the day keys reaping writes to. Default 400. */
  retentionDays?: number;
  /** Values a day breakdown counts before the rest go to `other`. Default 50. */
  breakdownCap?: number;
  closedSessionLog?: boolean;
  closedSessionMaxLen?: number;
  closedSessionRetentionDays?: number;
}

/**
 * Closes the sessions of dead instances at their last heartbeat, from anywhere (`sau-cli reap`, a
 * cron job): what every live monitor does on its heartbeat, without being one. It writes, so it is
 * the writer's (a SauReader only reads, and may run as a read-only Redis user); it needs the
 * rights of `sau-writer` in redis.conf.example.
 */
export class SauReaper {
  private readonly keys: Keys;
  private readonly client: RedisClient;
  private readonly ownsClient: boolean;
  private readonly runner: ScriptRunner;
  private readonly reaper: Reaper;

  constructor(options: SauReaperOptions = {}) {
    this.keys = new Keys(options.namespace ?? 'default');
    const write = writeOptionsOf(options);
    // Before connecting: a bad option changes nothing, not even the connections open.
    assertWriteOptions(write);
    const calendar = new ZonedCalendar(options.timezone ?? 'UTC');
    const { client, owned } = connectQuietRedis(options.redis);
    this.client = client;
    this.ownsClient = owned;
    this.runner = new ScriptRunner(client);
    this.reaper = new Reaper(this.runner, this.keys, calendar, {
      ...write,
      closedLog: closedLogLimitsOf(write),
    });
  }

  /** One pass: claims lapsed leases and closes their sessions, in bounded calls, with progress. */
  reap(onProgress?: (progress: ReapProgress) => void): Promise<ReapReport> {
    return this.reaper.reap(onProgress);
  }

  /** Instances whose lease lapsed, and incarnations whose sessions are being closed. Writes nothing. */
  deadInstances(): Promise<{ lapsed: string[]; reaping: DeadIncarnation[] }> {
    return deadInstances(this.runner, this.keys);
  }

  /** Closes the connection if the reaper opened it. */
  async close(): Promise<void> {
    if (this.ownsClient) await this.client.quit().catch(() => this.client.disconnect());
  }
}
