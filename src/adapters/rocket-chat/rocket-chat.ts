import type { SessionMonitor } from '../../monitor/session-monitor';
import { ConfigError } from '../../errors/config-error';
import { connectRedis, type RedisClient } from '../../redis/redis-client';
import { guarded } from '../report-adapter-error';
import { applySessionEvent } from './apply-session-event';
import { RemoteInstances } from './remote-instances';
import { SAU_EVENT_PARSERS, type SauEventsLike, type SessionEvent } from './rocket-chat-events';

/** Options of {@link attachToRocketChat}. */
export interface RocketChatAdapterOptions {
  /**
   * A remote instance (a ddp-streamer) that sent no event and no keep-alive for this long is
   * dead: its sessions end. Rocket.Chat sends nothing from an idle ddp-streamer, so without a
   * keep-alive this must outlast the quiet hours of a small deployment. Default 600,000 (10 min).
   */
  instanceTimeoutMs?: number;
  /**
   * How long the sessions of a dead remote instance stay known, in case it was only quiet: its
   * next event brings them all back. Default 86,400,000 (a day).
   */
  forgetInstanceAfterMs?: number;
}

/** A remote instance (a ddp-streamer) as an app process sees it. */
export interface RemoteInstanceView {
  instanceId: string;
  /** It sent an event or a keep-alive within `instanceTimeoutMs`. */
  alive: boolean;
  /** Its live sessions, as its events told them. */
  sessions: number;
  /** This process holds its reporter lease and writes its sessions. */
  reportedHere: boolean;
}

/** What {@link attachToRocketChat} returns. */
export interface RocketChatAdapter {
  /** A sign of life of a remote instance from outside its session events (a keep-alive). */
  alive(instanceId: string): void;
  /** The remote instances heard of. */
  remoteInstances(): RemoteInstanceView[];
  /**
   * Stops listening. The remote instances this process reports are left to the other app
   * processes at their next heartbeat (their sessions stay live meanwhile); the app's own
   * sessions are the monitor's, which `monitor.stop()` closes. Idempotent.
   */
  detach(): Promise<void>;
}

/**
 * Counts Rocket.Chat's sessions from its `sauEvents` emitter, in both shapes of its events
 * (`accounts.login`… and `sau.accounts.login`…) and both deployments:
 *
 * - Events of this app process (`instanceId` is the monitor's, so create the monitor with
 *   `instanceId: InstanceStatus.id()`) go to the monitor. A login for a connection never
 *   reported connected is a REST login unless its connection has `onClose`: it counts as a
 *   session that ends at once, so the user is active that day and nothing stays live.
 * - Events of other instances (ddp-streamers, whose events every app process receives over the
 *   service broker) are written under the streamer's id by one app process at a time, elected by
 *   a lease in Redis; the others keep a copy and take over when it stops. A streamer silent for
 *   `instanceTimeoutMs` is dead and its sessions end (see the README, Rocket.Chat).
 */
export function attachToRocketChat(
  monitor: SessionMonitor,
  rocketChat: { sauEvents: SauEventsLike },
  options: RocketChatAdapterOptions = {},
): RocketChatAdapter {
  const instanceTimeoutMs = options.instanceTimeoutMs ?? 600_000;
  const forgetInstanceAfterMs = options.forgetInstanceAfterMs ?? 86_400_000;
  const { heartbeatIntervalMs } = monitor.options;
  if (!Number.isSafeInteger(instanceTimeoutMs) || instanceTimeoutMs < 2 * heartbeatIntervalMs) {
    throw new ConfigError(
      `instanceTimeoutMs must be a whole number of milliseconds, at least twice the monitor's heartbeatIntervalMs (${heartbeatIntervalMs}), got ${instanceTimeoutMs}`,
    );
  }
  if (!Number.isSafeInteger(forgetInstanceAfterMs) || forgetInstanceAfterMs < instanceTimeoutMs) {
    throw new ConfigError(
      `forgetInstanceAfterMs must be a whole number of milliseconds, at least instanceTimeoutMs (${instanceTimeoutMs}), got ${forgetInstanceAfterMs}`,
    );
  }
  const localId = monitor.options.instanceId;
  let detached = false;
  // Opened at the first event of another instance: a monolith never needs it.
  let remote: { instances: RemoteInstances; client: RedisClient; owned: boolean } | undefined;
  const remotes = (): RemoteInstances => {
    if (!remote) {
      const { client, owned } = connectRedis(monitor.options.redis);
      const instances = new RemoteInstances({
        monitor,
        client,
        instanceTimeoutMs,
        forgetInstanceAfterMs,
      });
      remote = { instances, client, owned };
    }
    return remote.instances;
  };

  const handle = (event: SessionEvent): void => {
    let instanceId = event.instanceId;
    if (instanceId === undefined && event.kind === 'logout') {
      const id = event.connectionId;
      instanceId = monitor.sessionUser(id) !== undefined ? localId : remote?.instances.holderOf(id);
      if (instanceId === undefined) return;
    }
    if (instanceId === localId) {
      const unknownLogin = event.kind === 'login' && event.closes ? 'live' : 'momentary';
      applySessionEvent(monitor, event, unknownLogin);
    } else if (instanceId !== undefined) {
      remotes().apply(instanceId, event);
    }
  };

  const unsubscribes = Object.entries(SAU_EVENT_PARSERS).map(([name, parse]) => {
    const handler = (payload: unknown): void =>
      guarded(monitor, `sauEvents '${name}'`, () => {
        if (detached) return;
        const event = parse(payload);
        if (event) handle(event);
      });
    const { sauEvents } = rocketChat;
    const returned = sauEvents.on(name, handler);
    if (typeof sauEvents.off === 'function') return () => void sauEvents.off?.(name, handler);
    return typeof returned === 'function' ? (returned as () => void) : () => undefined;
  });

  return {
    alive(instanceId) {
      guarded(monitor, 'alive()', () => {
        if (!detached && instanceId !== localId) remotes().touch(instanceId);
      });
    },
    remoteInstances: () => remote?.instances.list() ?? [],
    async detach() {
      if (detached) return;
      detached = true;
      for (const unsubscribe of unsubscribes) unsubscribe();
      if (!remote) return;
      await remote.instances.close();
      if (remote.owned) await remote.client.quit().catch(() => remote?.client.disconnect());
    },
  };
}
