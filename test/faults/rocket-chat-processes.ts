import type { ChildProcess } from 'node:child_process';
import type { RemoteInstanceView } from '../../src/adapters/rocket-chat/rocket-chat';
import type { Broadcast, EventShape } from '../support/rocket-chat-broker';
import { spawnFixture, type FixtureProcess } from './spawn-fixture';

/** What the processes of one deployment share. */
export interface DeploymentEnv {
  REDIS_URL: string;
  NAMESPACE: string;
  HEARTBEAT_MS: number;
  LEASE_MS: number;
  INSTANCE_TIMEOUT_MS: number;
}

/**
 * The service broker of a Rocket.Chat microservices deployment, in the test process: every
 * broadcast a ddp-streamer process sends goes to every app process, in the order it came.
 */
export class BrokerStandIn {
  private readonly apps = new Set<ChildProcess>();

  connect(app: ChildProcess): void {
    this.apps.add(app);
    app.once('exit', () => this.apps.delete(app));
  }

  broadcast(broadcast: Broadcast): void {
    // An app SIGKILLed a moment ago may still look connected: its pipe answers EPIPE, and a
    // broker drops what it cannot deliver to a dead process.
    for (const app of this.apps) if (app.connected) app.send({ broadcast }, () => undefined);
  }
}

/** Sends `message` with a sequence number and resolves with the child's answer to it. */
function request<T>(child: ChildProcess, message: object): Promise<T> {
  const seq = Math.random();
  return new Promise((resolve, reject) => {
    const onMessage = (reply: { seq?: number } & T): void => {
      if (reply.seq !== seq) return;
      child.off('message', onMessage);
      resolve(reply);
    };
    child.on('message', onMessage);
    child.send({ ...message, seq }, (err) => err && reject(err));
  });
}

/** A ddp-streamer process (fixtures/ddp-streamer-child.js) whose broadcasts go to `broker`. */
export interface StreamerProcess extends FixtureProcess {
  instanceId: string;
  /** A client connects; resolves with its connection id once the broadcast went out. */
  connect(): Promise<string>;
  login(id: string, userId: string): Promise<void>;
  logout(id: string): Promise<void>;
  disconnect(id: string): Promise<void>;
}

export async function startStreamer(
  broker: BrokerStandIn,
  keepAliveMs: number,
): Promise<StreamerProcess> {
  const child = await spawnFixture(
    'ddp-streamer-child.js',
    { KEEPALIVE_MS: keepAliveMs },
    { ipc: true },
  );
  child.process.on('message', (message: { broadcast?: Broadcast }) => {
    if (message.broadcast) broker.broadcast(message.broadcast);
  });
  const command = async (op: string, id?: string, userId?: string) =>
    (await request<{ id: string }>(child.process, { op, id, userId })).id;
  return {
    ...child,
    instanceId: child.ready,
    connect: () => command('connect'),
    login: async (id, userId) => void (await command('login', id, userId)),
    logout: async (id) => void (await command('logout', id)),
    disconnect: async (id) => void (await command('disconnect', id)),
  };
}

/** An app process (fixtures/rocket-chat-app-child.js) fed by `broker`. */
export interface AppProcess extends FixtureProcess {
  instanceId: string;
  remotes(): Promise<RemoteInstanceView[]>;
}

export async function startApp(
  broker: BrokerStandIn,
  env: DeploymentEnv & { APP_ID: string; SHAPE: EventShape },
): Promise<AppProcess> {
  const child = await spawnFixture('rocket-chat-app-child.js', { ...env }, { ipc: true });
  broker.connect(child.process);
  return {
    ...child,
    instanceId: env.APP_ID,
    remotes: async () =>
      (await request<{ remotes: RemoteInstanceView[] }>(child.process, { op: 'remotes' })).remotes,
  };
}
