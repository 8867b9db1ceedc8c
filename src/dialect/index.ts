/**
 * The base that `src/filter` and `src/db` both import: the dialect, the field catalogue's types and the value
 * codecs, and what caches keyed by callers' input need (`plainJsonKey`, `LruMap`). It imports nothing of hubql's.
 */
export * from "./catalogue";
export * from "./dialect";
export * from "./instant";
export * from "./json";
export * from "./lru-map";
export * from "./sqlite-regexp";
export * from "./unstorable";
export * from "./values";
