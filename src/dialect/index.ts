/**
 * The base that `src/filter` and `src/db` both import: the dialect, the field catalogue's types and the value
 * codecs. It imports nothing of hubql's.
 */
export * from "./catalogue";
export * from "./dialect";
export * from "./instant";
export * from "./json";
export * from "./sqlite-regexp";
export * from "./unstorable";
export * from "./values";
