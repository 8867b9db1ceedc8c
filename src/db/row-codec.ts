import {
  type Dialect,
  encodeValue,
  type FieldCatalogue,
  type FieldSpec,
  type ValueDecoder,
  valueDecoder,
} from "../dialect";

/** Each field's decoder (null: nothing to decode), per catalogue and dialect: codecs are made per request. */
const DECODERS = new WeakMap<FieldCatalogue, Partial<Record<Dialect, ReadonlyMap<string, ValueDecoder | null>>>>();

function decodersOf(catalogue: FieldCatalogue, dialect: Dialect): ReadonlyMap<string, ValueDecoder | null> {
  let byDialect = DECODERS.get(catalogue);
  if (!byDialect) DECODERS.set(catalogue, (byDialect = {}));
  return (byDialect[dialect] ??= new Map(
    catalogue.fields.map((field) => [field.name, valueDecoder(field.kind, dialect)] as const),
  ));
}

/**
 * Moves rows between SQL and the service layer using the field catalogue's kinds and the value codecs of
 * src/dialect. One place, so no service hand-parses a column.
 */
export class RowCodec {
  private readonly byName: ReadonlyMap<string, FieldSpec>;
  private readonly decoders: ReadonlyMap<string, ValueDecoder | null>;

  constructor(
    readonly catalogue: FieldCatalogue,
    readonly dialect: Dialect,
    private readonly alias = "t",
  ) {
    this.byName = new Map(catalogue.fields.map((field) => [field.name, field]));
    this.decoders = decodersOf(catalogue, dialect);
  }

  field(name: string): FieldSpec {
    const field = this.byName.get(name);
    if (!field) throw new Error(`no field '${name}' on ${this.catalogue.entity}`);
    return field;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** `t."msg_id"` */
  column(name: string): string {
    return `${this.alias}."${this.field(name).column}"`;
  }

  /** The table alias `column` qualifies with. */
  get tableAlias(): string {
    return this.alias;
  }

  /**
   * Decodes a row the driver returned, in place: the driver's object is ours alone, and not copying it spares an
   * object and an entry array per row (a nested read decodes thousands; its GC time was a quarter of its CPU).
   * Columns the codec does not know, text columns and nulls (drivers give no undefined) pass through unchanged.
   */
  decode<T>(raw: Record<string, unknown>): T {
    for (const key in raw) {
      const decode = this.decoders.get(key);
      const value = raw[key];
      if (decode && value !== null && value !== undefined) raw[key] = decode(value);
    }
    return raw as T;
  }

  /**
   * `decode` for the rows of one statement, which all have the first row's columns: the columns to decode are
   * found once, and text columns are not visited (a 101-row page of the bench's list: 808 look-ups became 4).
   */
  decodeAll<T>(rows: Record<string, unknown>[]): T[] {
    const first = rows[0];
    if (!first) return rows as T[];
    const columns: string[] = [];
    const decoders: ValueDecoder[] = [];
    for (const key in first) {
      const decode = this.decoders.get(key);
      if (!decode) continue;
      columns.push(key);
      decoders.push(decode);
    }
    for (const row of rows) {
      for (let c = 0; c < columns.length; c++) {
        const key = columns[c] as string;
        const value = row[key];
        if (value !== null && value !== undefined) row[key] = (decoders[c] as ValueDecoder)(value);
      }
    }
    return rows as T[];
  }

  encode(name: string, value: unknown): unknown {
    return encodeValue(this.field(name).kind, value, this.dialect);
  }

  /** `encode` for one field, its kind looked up once (bulk inserts encode a column thousands of times). */
  encoder(name: string): (value: unknown) => unknown {
    const { kind } = this.field(name);
    const dialect = this.dialect;
    return (value) => encodeValue(kind, value, dialect);
  }
}
