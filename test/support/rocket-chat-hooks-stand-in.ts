import { createHash } from 'node:crypto';
import type { MeteorLoginInfo } from '../../src/adapters/meteor-types';
import type { MeteorStandIn } from './meteor-stand-in';
import { clientAddressOf, type EventShape, type SauEventsStandIn } from './rocket-chat-broker';

/**
 * Rocket.Chat's apps/meteor/server/hooks/sauMonitorHooks.ts on a (stand-in) Meteor server: the
 * Meteor and Accounts hooks that report each session's life on `sauEvents`, stamped with the app
 * process's `InstanceStatus.id()`. `long` is the long-standing file (6.x, 7.x), which spreads the
 * connection object into the events; `sau` the newer one, which sends ids and strings and skips
 * logins and logouts without a user.
 */
export function installSauMonitorHooks(
  meteor: MeteorStandIn,
  sauEvents: SauEventsStandIn,
  instanceId: string,
  shape: EventShape,
): void {
  const { Meteor, Accounts } = meteor;
  const loginTokenOf = (info: MeteorLoginInfo): string => {
    const args = (info.methodArguments ?? []) as { resume?: string }[];
    const resume = args.find((arg) => arg && 'resume' in arg)?.resume;
    return resume ? createHash('sha256').update(resume).digest('base64') : '';
  };
  if (shape === 'long') {
    Accounts.onLogin((info) => {
      const connection = info.connection!;
      sauEvents.emit('accounts.login', {
        userId: info.user!._id,
        connection: { loginToken: loginTokenOf(info), instanceId, ...connection },
      });
    });
    // Throws when the user document is gone (info.user undefined): Meteor prints it and goes on.
    Accounts.onLogout((info) => {
      sauEvents.emit('accounts.logout', {
        userId: info.user!._id,
        connection: { instanceId, ...info.connection },
      });
    });
    Meteor.onConnection((connection) =>
      connection.onClose?.(() =>
        sauEvents.emit('socket.disconnected', { instanceId, ...connection }),
      ),
    );
    Meteor.onConnection((connection) =>
      sauEvents.emit('socket.connected', { instanceId, ...connection }),
    );
    return;
  }
  Accounts.onLogin((info) => {
    if (!info.user) return;
    const connection = info.connection!;
    const headers = connection.httpHeaders ?? {};
    sauEvents.emit('sau.accounts.login', {
      userId: info.user._id,
      instanceId,
      userAgent: headers['user-agent'] ?? '',
      loginToken: loginTokenOf(info),
      connectionId: connection.id,
      clientAddress: clientAddressOf(connection),
      host: headers.host ?? '',
    });
  });
  Accounts.onLogout((info) => {
    if (!info.user) return;
    sauEvents.emit('sau.accounts.logout', {
      userId: info.user._id,
      sessionId: info.connection!.id,
    });
  });
  Meteor.onConnection((connection) =>
    connection.onClose?.(() =>
      sauEvents.emit('sau.socket.disconnected', { connectionId: connection.id, instanceId }),
    ),
  );
  Meteor.onConnection((connection) =>
    sauEvents.emit('sau.socket.connected', { instanceId, connectionId: connection.id }),
  );
}
