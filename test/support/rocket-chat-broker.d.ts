import type { SauEventsLike } from '../../src/adapters/rocket-chat/rocket-chat-events';

/** Which shape of Rocket.Chat's SAU events an app process emits. */
export type EventShape = 'long' | 'sau';
/** A service-broker broadcast: event name and (EJSON) payload. */
export type Broadcast = [event: string, payload: Record<string, unknown>];

export class SauEventsStandIn implements SauEventsLike {
  on(event: string, handler: (payload: unknown) => void): () => void;
  off(event: string, handler: (payload: unknown) => void): void;
  emit(event: string, payload: unknown): void;
  readonly listenerCount: number;
}

export class DdpStreamerStandIn {
  constructor(instanceId?: string);
  readonly instanceId: string;
  connect(options?: { clientAddress?: string; userAgent?: string }): {
    id: string;
    broadcast: Broadcast;
  };
  login(id: string, userId: string): Broadcast;
  logout(id: string): Broadcast;
  disconnect(id: string): Broadcast;
  keepAlive(): Broadcast;
}

export function reemit(
  shape: EventShape,
  sauEvents: SauEventsStandIn,
  event: string,
  payload: Record<string, unknown>,
): void;

export function clientAddressOf(connection: {
  clientAddress?: string | null;
  httpHeaders?: Record<string, string | string[] | undefined>;
}): string;
