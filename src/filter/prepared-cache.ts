import type { PreparedFilter } from "./types";

/**
 * Prepared filters by their text, least recently used first: clients and dashboards send the same few filters again
 * and again, and a prepared filter (its AST, all validation done) holds nothing of the request that made it. Parsing
 * and checking the bench's list filter again cost about 30 µs of the main thread per request (CPU profile, 101-row
 * page of 300,000 records on SQLite).
 */
export class PreparedFilterCache {
  private readonly entries = new Map<string, PreparedFilter>();

  constructor(private readonly capacity: number) {}

  get(key: string): PreparedFilter | undefined {
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  set(key: string, prepared: PreparedFilter): void {
    this.entries.set(key, prepared);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}
