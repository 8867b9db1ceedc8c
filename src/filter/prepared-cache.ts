import type { PreparedFilter } from "./types";

/**
 * Prepared filters by their text, least recently used first: clients and dashboards send the same few filters again
 * and again, and a prepared filter (its AST, all validation done) holds nothing of the request that made it. Parsing
 * and checking the bench's list filter again cost about 20 µs of the main thread per request (CPU profile, 101-row
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

/** Longest key kept, in characters: larger filters are prepared every time (and the cache stays small). */
export const MAX_FILTER_KEY = 2048;

/** Nesting past which a filter is not keyed (the parser refuses it anyway); keeps `filterKey` off a deep stack. */
const MAX_KEY_DEPTH = 32;

/**
 * A text naming `filter` exactly, or null when the filter is not plain JSON or is too large to keep: only strings,
 * booleans, null, finite numbers other than -0, arrays and plain objects, so that two filters with one key always
 * mean the same (JSON.stringify would give a Date, an undefined member or -0 the key of something else).
 */
export function filterKey(filter: unknown): string | null {
  let key = "";
  const walk = (value: unknown, depth: number): boolean => {
    if (key.length > MAX_FILTER_KEY || depth > MAX_KEY_DEPTH) return false;
    if (value === null || typeof value === "boolean" || typeof value === "string") {
      key += JSON.stringify(value);
      return true;
    }
    if (typeof value === "number") {
      if (!Number.isFinite(value) || Object.is(value, -0)) return false;
      key += String(value);
      return true;
    }
    if (Array.isArray(value)) {
      key += "[";
      for (let i = 0; i < value.length; i++) {
        if (i > 0) key += ",";
        if (!walk(value[i], depth + 1)) return false;
      }
      key += "]";
      return true;
    }
    if (typeof value !== "object") return false;
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) return false;
    key += "{";
    let first = true;
    for (const name of Object.keys(value)) {
      const member = (value as Record<string, unknown>)[name];
      if (member === undefined) return false;
      key += `${first ? "" : ","}${JSON.stringify(name)}:`;
      first = false;
      if (!walk(member, depth + 1)) return false;
    }
    key += "}";
    return true;
  };
  return walk(filter, 0) && key.length <= MAX_FILTER_KEY ? key : null;
}
