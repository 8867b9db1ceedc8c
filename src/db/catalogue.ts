import type { EntitySchema } from "typeorm";

import type { FieldCatalogue, FieldKind, FieldSpec } from "../dialect";

export interface CatalogueOptions {
  /** The name people see in messages ("TaskRecord"); the entity's name by default. */
  readonly label?: string;
  /** Properties that may not be filtered on (internal bookkeeping). */
  readonly exclude?: readonly string[];
  /** Properties that are credentials: read and written, never filtered on (FieldSpec.secret). */
  readonly secret?: readonly string[];
  /** Valid names for enum-like text columns, by property. */
  readonly enums?: Readonly<Record<string, readonly string[]>>;
  /** Extra accepted spellings, by property (the column name is always one). */
  readonly aliases?: Readonly<Record<string, readonly string[]>>;
}

interface ColumnOptions {
  readonly name?: string;
  readonly type?: unknown;
  readonly nullable?: boolean;
}

/**
 * The field catalogue, derived from the entity definition (the same EntitySchema TypeORM maps): the single list of
 * what may be filtered, read and sorted. Adding a column to an entity makes it filterable; nothing keeps a second
 * list. It needs no open connection, so the `none` store validates filters too.
 */
export function catalogueFor<T>(entity: EntitySchema<T>, options: CatalogueOptions = {}): FieldCatalogue {
  const fields: FieldSpec[] = [];
  const columns = entity.options.columns as Record<string, ColumnOptions | undefined>;
  for (const [name, column] of Object.entries(columns)) {
    if (!column || options.exclude?.includes(name)) continue;
    const enumValues = options.enums?.[name];
    const aliases = new Set<string>(options.aliases?.[name] ?? []);
    const columnName = column.name ?? name;
    if (columnName !== name) aliases.add(columnName);
    fields.push({
      name,
      aliases: [...aliases],
      column: columnName,
      kind: enumValues ? "enum" : kindOf(typeof column.type === "string" ? column.type : ""),
      nullable: column.nullable === true,
      ...(enumValues ? { enumValues } : {}),
      ...(options.secret?.includes(name) ? { secret: true } : {}),
    });
  }
  return { entity: options.label ?? entity.options.name, fields };
}

function kindOf(type: string): FieldKind {
  switch (type.toLowerCase()) {
    case "json":
    case "jsonb":
      return "json";
    case "datetime":
    case "timestamptz":
    case "timestamp":
      return "datetime";
    case "integer":
    case "int":
    case "bigint":
      return "integer";
    case "real":
    case "double precision":
    case "float":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return "string";
  }
}
