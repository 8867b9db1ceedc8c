/**
 * A value the store cannot hold faithfully: an instant outside 0001–9999, JSON nested deeper than MAX_JSON_DEPTH,
 * a non-finite number. The codecs throw it at write (before any row changes); src/server/format-error.ts answers
 * it as BAD_USER_INPUT with this message, wherever it comes from.
 */
export class UnstorableValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnstorableValueError";
  }
}
