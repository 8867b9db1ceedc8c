/**
 * The SQL toolkit: the one home for SQL chores of the services — table names, a condition builder that names its
 * own parameters, sort keys, keyset pages and counts, row reads with column pruning, lookups by key, and bulk
 * inserts sized to the driver's parameter limit. Every statement still runs through `Database` (src/db).
 */
export * from "./clock";
export * from "./condition";
export * from "./keyset";
export * from "./page";
export * from "./rows";
export * from "./sort-keys";
export * from "./tables";
export * from "./truncate";
