/**
 * A map of at most `capacity` entries that forgets the least recently used first: for caches keyed by what callers
 * send (prepared filters, guard verdicts), which must stay bounded whatever they send. A `Map` keeps insertion
 * order, so a hit is moved to the end and the first entry is the oldest.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  /** The value under `key`, now the most recently used. */
  get(key: K): V | undefined {
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  /** Keeps `value` under `key`, forgetting the least recently used entry past the capacity. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  get size(): number {
    return this.entries.size;
  }
}
