import { UnstorableValueError } from "./unstorable";

/**
 * Deepest nesting a stored JSON value may have (a scalar is depth 0, `{"a": [1]}` depth 2). Every JSON column is
 * checked at write: SQLite's JSON functions refuse documents deeper than 1,000, so one record nested 1,001 deep made
 * every filter on its column fail for every caller (issue 12), and serialising 20,000 levels overflowed the stack.
 */
export const MAX_JSON_DEPTH = 100;

/** The JSON text a list made by `plainStringList` carries. */
const JSON_TEXT = Symbol("jsonText");

/**
 * JSON is bound as text on both dialects (node-pg would turn a JS array into a Postgres array literal otherwise).
 * UnstorableValueError for a value deeper than MAX_JSON_DEPTH or holding a non-finite number (JSON `1e400` parses as
 * Infinity, which JSON.stringify would silently store as null). A list made by plainStringList gives the text it
 * carries.
 */
export function encodeJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = (value as { [JSON_TEXT]?: string })[JSON_TEXT];
  if (text !== undefined) return text;
  checkJsonValue(value);
  return JSON.stringify(value);
}

/**
 * `items`, frozen, carrying its JSON text for encodeJson: the caller vouches that no item needs escaping in JSON
 * (base64 made by Buffer#toString, say). The text is the items joined, which is what JSON.stringify writes for them,
 * without its copying: for 20,000 lists of one 3.4 KB base64 string each, JSON.stringify and handing the texts to
 * another thread took 104–150 ms on the sending thread, the joined texts 17–28 ms. Frozen, so the text stays true.
 */
export function plainStringList(items: string[]): readonly string[] {
  const text = items.length === 0 ? "[]" : `["${items.join('","')}"]`;
  Object.defineProperty(items, JSON_TEXT, { value: text });
  return Object.freeze(items);
}

/**
 * Refuses what JSON text cannot hold faithfully. Recursive, but never deeper than MAX_JSON_DEPTH frames (a hostile
 * value is refused at that depth, not walked further), so it cannot overflow the stack; without a work list of
 * [value, depth] pairs it allocates nothing per value (the list was a fifth of an ingest's encoding time).
 */
export function checkJsonValue(value: unknown): void {
  checkMember(value, 0);
}

function checkMember(item: unknown, depth: number): void {
  if (typeof item === "number") {
    if (!Number.isFinite(item)) {
      throw new UnstorableValueError("JSON values cannot hold non-finite numbers (Infinity, NaN, or beyond ±1.8e308)");
    }
    return;
  }
  if (item === null || typeof item !== "object") return;
  if (depth >= MAX_JSON_DEPTH) {
    throw new UnstorableValueError(`JSON values may nest at most ${MAX_JSON_DEPTH} levels deep`);
  }
  if (Array.isArray(item)) {
    for (let i = 0; i < item.length; i++) checkMember(item[i], depth + 1);
    return;
  }
  const members = item as Record<string, unknown>;
  for (const key in members) if (Object.hasOwn(members, key)) checkMember(members[key], depth + 1);
}

/** JSON text as SQLite returns it (Postgres `jsonb` arrives parsed and needs no decoding). */
export function decodeJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return JSON.parse(value) as unknown;
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString("utf8")) as unknown;
  return value;
}

/** Nesting past which `plainJsonKey` gives up: it never walks a deep stack. */
const MAX_KEY_DEPTH = 32;

/**
 * A text naming a plain JSON value exactly, or null when the value is not plain JSON or its text would be longer than
 * `maxLength`: only strings, booleans, null, finite numbers other than -0, arrays without holes and plain objects, so
 * that two values with one key always mean the same (JSON.stringify would give a Date, an undefined member or -0 the
 * text of another value). For caches keyed by what a caller sent (prepared filters, guard verdicts).
 */
export function plainJsonKey(value: unknown, maxLength: number): string | null {
  let key = "";
  const walk = (item: unknown, depth: number): boolean => {
    if (key.length > maxLength || depth > MAX_KEY_DEPTH) return false;
    if (item === null || typeof item === "boolean" || typeof item === "string") {
      key += JSON.stringify(item);
      return true;
    }
    if (typeof item === "number") {
      if (!Number.isFinite(item) || Object.is(item, -0)) return false;
      key += String(item);
      return true;
    }
    if (Array.isArray(item)) {
      key += "[";
      for (let i = 0; i < item.length; i++) {
        if (i > 0) key += ",";
        if (!walk(item[i], depth + 1)) return false;
      }
      key += "]";
      return true;
    }
    if (typeof item !== "object") return false;
    const prototype = Object.getPrototypeOf(item) as unknown;
    if (prototype !== Object.prototype && prototype !== null) return false;
    key += "{";
    let first = true;
    for (const name of Object.keys(item)) {
      const member = (item as Record<string, unknown>)[name];
      if (member === undefined) return false;
      key += `${first ? "" : ","}${JSON.stringify(name)}:`;
      first = false;
      if (!walk(member, depth + 1)) return false;
    }
    key += "}";
    return true;
  };
  return walk(value, 0) && key.length <= maxLength ? key : null;
}
