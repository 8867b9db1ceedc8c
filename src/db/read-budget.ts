import { limitExceeded } from "../errors";

/**
 * How many bytes of stored data one request may read (HUBQL_MAX_READ_BYTES): the memory bound that item counts
 * cannot give (25 aliases of `dbQuery(keys: ["stdout"])` over 10,000 records of 20 KB stdout reached 4 GB and
 * aborted the process). Every statement's rows are charged as `Database` returns them; a statement started after
 * the budget is spent is refused before it runs, so a request overshoots by at most the statements it has in
 * flight. Reads that may return many rows (`dbQuery`) read in chunks for that reason.
 */
export class ReadBudget {
  private spent = 0;

  constructor(readonly maxBytes: number) {}

  get remaining(): number {
    return this.maxBytes - this.spent;
  }

  /** Refuses a statement once the budget is spent. */
  check(): void {
    if (this.spent > this.maxBytes) throw this.exceeded();
  }

  /** Charges the rows a statement returned: `bytes` where the engine counted them (RawResult), else as `rowsBytes`. */
  charge(rows: readonly unknown[], bytes = rowsBytes(rows)): void {
    this.spent += bytes;
    if (this.spent > this.maxBytes) throw this.exceeded();
  }

  private exceeded() {
    return limitExceeded(
      `The request read more than ${this.maxBytes} bytes of stored data (HUBQL_MAX_READ_BYTES); ask for fewer fields or records, or page (limit/offset, first/after)`,
      { limit: "readBytes", maximum: this.maxBytes },
    );
  }
}

/** Approximate bytes of rows as the driver returns them: strings, buffers, numbers and parsed JSON (Postgres). */
export function rowsBytes(rows: readonly unknown[]): number {
  let bytes = 0;
  const stack: unknown[] = [];
  for (const row of rows) {
    stack.push(row);
    while (stack.length > 0) {
      const value = stack.pop();
      if (typeof value === "string") bytes += value.length;
      else if (value === null || value === undefined) bytes += 1;
      else if (Buffer.isBuffer(value)) bytes += value.length;
      else if (value instanceof Date) bytes += 8;
      else if (Array.isArray(value)) for (const item of value) stack.push(item);
      else if (typeof value === "object") {
        // for…in, not Object.entries: no pair array per column (every row of every statement passes here).
        const members = value as Record<string, unknown>;
        for (const key in members) {
          if (!Object.hasOwn(members, key)) continue;
          bytes += key.length;
          stack.push(members[key]);
        }
      } else bytes += 8;
    }
  }
  return bytes;
}
