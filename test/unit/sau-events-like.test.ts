import { EventEmitter } from 'node:events';
import { SessionMonitor } from '../../src/monitor/session-monitor';
import { attachToRocketChat } from '../../src/adapters/rocket-chat/rocket-chat';
import {
  SAU_EVENT_PARSERS,
  type SauEventsLike,
} from '../../src/adapters/rocket-chat/rocket-chat-events';

type Handler<T> = (event: T) => unknown;
/** The shape of @rocket.chat/emitter's Emitter, which Rocket.Chat's `sauEvents` is. */
declare class Emitter<EventMap extends Record<string, unknown>> {
  on<K extends keyof EventMap>(key: K, handler: Handler<EventMap[K]>): () => void;
  off<K extends keyof EventMap>(key: K, handler: Handler<EventMap[K]>): void;
  emit<K extends keyof EventMap>(key: K, event: EventMap[K]): void;
}
type RocketChatSauEvents = Emitter<{
  'accounts.login': { userId: string; connection: { id: string; instanceId: string } };
  'sau.accounts.logout': { userId: string; sessionId: string };
}>;

describe('SauEventsLike', () => {
  it("accepts Rocket.Chat's typed emitter (a type error fails the type check) and a Node EventEmitter", async () => {
    const typed = (emitter: RocketChatSauEvents): SauEventsLike => emitter;
    expect(typeof typed).toBe('function');

    const sauEvents = new EventEmitter();
    const monitor = new SessionMonitor({ instanceId: 'app-a' });
    const adapter = attachToRocketChat(monitor, { sauEvents });
    const events = Object.keys(SAU_EVENT_PARSERS);
    expect(events.map((event) => sauEvents.listenerCount(event))).toEqual(events.map(() => 1));
    await adapter.detach();
    expect(sauEvents.eventNames()).toEqual([]);
  });
});
