// LruCache against the plainest model of least-recently-used: a list, most recent last. A hit on
// the most recent key leaves the Map alone (a fast path), which must not change what is evicted:
// with six keys and room for at most four, every get's answer shows what was evicted before it.
import fc from 'fast-check';
import { LruCache } from '../../src/ua/lru-cache';

type Op = { get: number } | { set: number; value: number };

/** The model's answer to each get: keys most recent last, each with its value. */
function modelGets(capacity: number, ops: Op[]): Array<number | undefined> {
  let entries: Array<[number, number]> = [];
  const answers: Array<number | undefined> = [];
  for (const op of ops) {
    if ('get' in op) {
      const found = entries.find(([key]) => key === op.get);
      if (found) entries = [...entries.filter(([key]) => key !== op.get), found];
      answers.push(found?.[1]);
    } else if (capacity > 0) {
      entries = entries.filter(([key]) => key !== op.set);
      if (entries.length >= capacity) entries.shift();
      entries.push([op.set, op.value]);
    }
  }
  return answers;
}

function cacheGets(capacity: number, ops: Op[]): Array<number | undefined> {
  const cache = new LruCache<number, number>(capacity);
  const answers: Array<number | undefined> = [];
  for (const op of ops) {
    if ('get' in op) answers.push(cache.get(op.get));
    else cache.set(op.set, op.value);
  }
  return answers;
}

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ get: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ set: fc.integer({ min: 0, max: 5 }), value: fc.integer() }),
);

describe('LruCache', () => {
  it('answers every get as a least-recently-used list does, evictions included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.array(op, { maxLength: 80 }),
        (capacity, ops) => {
          expect(cacheGets(capacity, ops)).toEqual(modelGets(capacity, ops));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps a key used again and again while others come and go', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('hot', 1);
    for (let i = 0; i < 10; i++) {
      expect(cache.get('hot')).toBe(1);
      expect(cache.get('hot')).toBe(1);
      cache.set(`cold${i}`, i);
    }
    expect(cache.get('hot')).toBe(1);
    expect(cache.get('cold8')).toBeUndefined();
    expect(cache.get('cold9')).toBe(9);
  });
});
