/** A source of numbers in [0, 1); seeded, so a demo run can be replayed. */
export type Random = () => number;

/** mulberry32: tiny, fast, and good enough to drive a simulation. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True with probability `p`. */
export function chance(random: Random, p: number): boolean {
  return random() < p;
}

/** A whole number in [min, max]. */
export function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pickOne<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** One item, chosen with probability proportional to its weight. */
export function pickWeighted<T extends { weight: number }>(random: Random, items: readonly T[]): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let r = random() * total;
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  return items[items.length - 1];
}

const METEOR_ID_CHARS = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz';

/** A 17-character id shaped like Meteor's Random.id(), which Rocket.Chat uses for users and sessions. */
export function meteorId(random: Random): string {
  let id = '';
  for (let i = 0; i < 17; i++) id += METEOR_ID_CHARS[Math.floor(random() * METEOR_ID_CHARS.length)];
  return id;
}
