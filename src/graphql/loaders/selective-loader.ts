import DataLoader from "dataloader";

/**
 * A per-request batch loader that reads only the columns the request asks for. Each `load` names the row properties
 * its field's selection needs; a batch reads the union of them in one statement, so an entity type still costs one
 * statement per batch, whatever the mix of selections. A key loaded before is answered from that load when it read
 * everything asked now, and read again (with the union) when it did not.
 */
export class SelectiveLoader<K, V> {
  private pending = new Set<string>();
  private readonly batches: DataLoader<K, V>;
  /** What each key's last load read; `fields` is the caller's (shared, per field occurrence) array, not a copy. */
  private readonly loaded = new Map<string, { readonly fields: readonly string[]; readonly value: Promise<V> }>();

  constructor(
    batch: (keys: readonly K[], fields: readonly string[]) => Promise<readonly V[]>,
    private readonly cacheKey: (key: K) => string = String,
  ) {
    // DataLoader calls the batch function when the batch is dispatched, before any later load: the fields
    // collected until then are exactly this batch's.
    this.batches = new DataLoader(
      (keys) => {
        const fields = [...this.pending];
        this.pending = new Set();
        return batch(keys, fields);
      },
      { cache: false },
    );
  }

  load(key: K, fields: readonly string[]): Promise<V> {
    const id = this.cacheKey(key);
    const earlier = this.loaded.get(id);
    if (earlier && fields.every((field) => earlier.fields.includes(field))) return earlier.value;
    const wanted = earlier ? [...new Set([...earlier.fields, ...fields])] : fields;
    for (const field of wanted) this.pending.add(field);
    const value = this.batches.load(key);
    this.loaded.set(id, { fields: wanted, value });
    return value;
  }

  /**
   * A row a foreign key guarantees (a job's flow, an entry's job type): asked for nothing but its key (and names
   * such as `__typename`), it is answered from the key alone, without a statement.
   */
  loadReference(key: K, fields: readonly string[], keyProperty: string): Promise<V> {
    if (fields.every((field) => field === keyProperty || field.startsWith("__"))) {
      return Promise.resolve({ [keyProperty]: key } as V);
    }
    return this.load(key, fields);
  }
}
