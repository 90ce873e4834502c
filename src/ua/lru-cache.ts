/**
 * A bounded least-recently-used cache on one `Map`. A Map iterates in insertion order, so
 * re-inserting a key on every hit keeps the least recently used key first, and eviction takes
 * `keys().next()`: every operation is O(1), with no linked list of our own to get wrong.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();
  /**
   * The most recently used key, which a hit leaves where it is: a server sees the same agent many
   * times in a row, and moving a key that is last already costs a Map delete and set for nothing.
   */
  private newest: K | undefined;

  /** @param capacity most entries held; 0 turns the cache off (every `get` misses). */
  constructor(readonly capacity: number) {}

  /** Entries held now, at most `capacity`. */
  get size(): number {
    return this.entries.size;
  }

  /** The value for `key`, which becomes the most recently used, or undefined. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined || key === this.newest) return value;
    this.entries.delete(key);
    this.entries.set(key, value);
    this.newest = key;
    return value;
  }

  /** Stores `value` as the most recently used, evicting the least recently used when full. */
  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    this.newest = key;
  }
}
