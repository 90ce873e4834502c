import { RedisScriptError } from '../errors/redis-script-error';
import { connectRedis, type RedisClient } from '../redis/redis-client';
import type { MonitorContext } from './monitor-context';

/**
 * The monitor's Redis connection and what its events mean: a reconnection ends a retry's backoff
 * at once, and one after a lost connection starts a recovery (the Redis answering may be a
 * promoted replica). The first error of each outage is reported; ioredis would print every one.
 */
export class ConnectionWatch {
  readonly client: RedisClient;
  private readonly owned: boolean;
  /** The connection closed since it was last ready: the next 'ready' starts a recovery. */
  private lost = false;
  private troubled = false;
  private readonly onReady = (): void => {
    this.troubled = false;
    if (this.lost) {
      this.lost = false;
      this.events.reconnected();
    }
    this.events.ready();
  };
  private readonly onClose = (): void => {
    this.lost = true;
  };

  constructor(
    ctx: MonitorContext,
    private readonly events: { ready(): void; reconnected(): void },
  ) {
    const { client, owned } = connectRedis(ctx.options.redis);
    this.client = client;
    this.owned = owned;
    if (owned) {
      client.on('error', (err: Error) => {
        if (this.troubled) return;
        this.troubled = true;
        ctx.report(
          new RedisScriptError('REDIS_UNAVAILABLE', `Redis connection: ${err.message}`, err),
        );
      });
    }
    client.on('ready', this.onReady);
    client.on('close', this.onClose);
  }

  /** Stops listening; closes the connection if the monitor opened it (politely when it can). */
  async close(politely: boolean): Promise<void> {
    const { client } = this;
    client.off('ready', this.onReady);
    client.off('close', this.onClose);
    if (!this.owned) return;
    if (politely && client.status === 'ready') await client.quit().catch(() => client.disconnect());
    else client.disconnect();
  }
}
