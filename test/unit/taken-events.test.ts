import { EventQueue } from '../../src/monitor/event-queue';
import { TakenEvents } from '../../src/monitor/taken-events';

describe('TakenEvents', () => {
  const triples = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => ['o', `s${from + i}`, '']).flat();

  it('holds two batches taken, drops what is confirmed, and puts the rest back in order', () => {
    const queue = new EventQueue(100);
    for (let i = 0; i < 10; i++) queue.push('o', `s${i}`);
    const taken = new TakenEvents();
    taken.add(queue.take(4), 0);
    taken.add(queue.take(4), 4);
    expect(taken.events()).toEqual(triples(0, 8));

    // The first call answered for 3 events, the next for 2 more (across the two batches).
    taken.confirmBelow(3);
    expect(taken.events()).toEqual(triples(3, 8));
    taken.confirmBelow(5);
    expect(taken.events()).toEqual(triples(5, 8));

    // The rest failed: back in front of the queue, which numbers them as before.
    queue.putBack(taken.events());
    taken.clear();
    expect(taken.empty).toBe(true);
    expect(queue.headSeq).toBe(5);
    expect(queue.take(100)).toEqual(triples(5, 10));
  });

  it('drops the events a writer skipped as confirmed earlier, which no part reports', () => {
    const taken = new TakenEvents();
    taken.add(triples(10, 14), 10);
    // A batch sent again: Redis confirmed 10 and 11 before; the first part reported is 12.
    taken.confirmBelow(13);
    expect(taken.events()).toEqual(triples(13, 14));
    taken.confirmBelow(14);
    expect(taken.empty).toBe(true);
    expect(taken.events()).toEqual([]);
  });
});
