import { decodeValue, type Dialect, encodeValue, type FieldCatalogue, type FieldSpec } from "../dialect";

/**
 * Moves rows between SQL and the service layer using the field catalogue's kinds and the value codecs of
 * src/dialect. One place, so no service hand-parses a column.
 */
export class RowCodec {
  private readonly byName: ReadonlyMap<string, FieldSpec>;

  constructor(
    readonly catalogue: FieldCatalogue,
    readonly dialect: Dialect,
    private readonly alias = "t",
  ) {
    this.byName = new Map(catalogue.fields.map((field) => [field.name, field]));
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
   * Columns the codec does not know pass through unchanged.
   */
  decode<T>(raw: Record<string, unknown>): T {
    for (const key in raw) {
      const field = this.byName.get(key);
      if (field) raw[key] = decodeValue(field.kind, raw[key], this.dialect);
    }
    return raw as T;
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
