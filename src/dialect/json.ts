/** JSON is bound as text on both dialects (node-pg would turn a JS array into a Postgres array literal otherwise). */
export function encodeJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** JSON text as SQLite returns it (Postgres `jsonb` arrives parsed and needs no decoding). */
export function decodeJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return JSON.parse(value) as unknown;
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString("utf8")) as unknown;
  return value;
}
