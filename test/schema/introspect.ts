/**
 * What a migrated store really holds, read back from the database's own catalogue (SQLite PRAGMAs, Postgres
 * information_schema / pg_catalog), and what the TypeORM entities say it should hold. Both in one normal form, so
 * test/schema/schema.test.ts can compare them, and a normalised SQL dump per dialect (schema/*.sql).
 */
import type { Database } from "../../src/db/database";

export interface ColumnShape {
  readonly type: string;
  readonly nullable: boolean;
  readonly primary: boolean;
}

export interface TableShape {
  readonly columns: Record<string, ColumnShape>;
  /** Non-unique indexes by name → column list (order kept). */
  readonly indexes: Record<string, string[]>;
  /** Unique constraints and indexes (primary key excluded), as sorted "a,b" column lists. */
  readonly uniques: string[];
}

export type SchemaShape = Record<string, TableShape>;

/** Tables that are TypeORM's own bookkeeping, not hubql's. */
const BOOKKEEPING = new Set(["migrations"]);

/** Postgres `information_schema` type names, spelled as the entities (and migrations) spell them. */
const POSTGRES_TYPES: Record<string, string> = { "timestamp with time zone": "timestamptz" };

export async function databaseShape(db: Database): Promise<SchemaShape> {
  return db.dialect === "postgres" ? postgresShape(db) : sqliteShape(db);
}

async function sqliteShape(db: Database): Promise<SchemaShape> {
  const tables = await db.query<{ name: string }>(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
  );
  const shape: SchemaShape = {};
  for (const { name } of tables.filter((table) => !BOOKKEEPING.has(table.name))) {
    const columns: Record<string, ColumnShape> = {};
    const info = await db.query<{ name: string; type: string; notnull: number; pk: number }>(
      `SELECT name, type, "notnull", pk FROM pragma_table_info(:table)`,
      { table: name },
    );
    for (const column of info) {
      columns[column.name] = { type: column.type.toLowerCase(), nullable: !column.notnull, primary: column.pk > 0 };
    }
    const indexes: Record<string, string[]> = {};
    const uniques: string[] = [];
    const list = await db.query<{ name: string; unique: number; origin: string }>(
      `SELECT name, "unique", origin FROM pragma_index_list(:table)`,
      { table: name },
    );
    for (const index of list.filter((entry) => entry.origin !== "pk")) {
      const members = await db.query<{ name: string; seqno: number }>(
        `SELECT name, seqno FROM pragma_index_info(:index) ORDER BY seqno`,
        { index: index.name },
      );
      const names = members.map((member) => member.name);
      if (index.unique) uniques.push([...names].sort().join(","));
      else indexes[index.name] = names;
    }
    shape[name] = { columns, indexes, uniques: uniques.sort() };
  }
  return shape;
}

async function postgresShape(db: Database): Promise<SchemaShape> {
  const columns = await db.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const indexes = await db.query<{
    table: string;
    index: string;
    unique: boolean;
    primary: boolean;
    columns: string[];
  }>(
    `SELECT t.relname AS "table", i.relname AS "index", x.indisunique AS "unique", x.indisprimary AS "primary",
            ARRAY(SELECT CAST(a.attname AS text) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n) AS "columns"
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' ORDER BY 1, 2`,
  );
  const shape: Record<
    string,
    { columns: Record<string, ColumnShape>; indexes: Record<string, string[]>; uniques: string[] }
  > = {};
  const primary = new Map<string, Set<string>>();
  for (const index of indexes.filter((entry) => entry.primary)) primary.set(index.table, new Set(index.columns));
  for (const column of columns.filter((entry) => !BOOKKEEPING.has(entry.table_name))) {
    const table = (shape[column.table_name] ??= { columns: {}, indexes: {}, uniques: [] });
    table.columns[column.column_name] = {
      type: POSTGRES_TYPES[column.data_type] ?? column.data_type,
      nullable: column.is_nullable === "YES",
      primary: primary.get(column.table_name)?.has(column.column_name) ?? false,
    };
  }
  for (const index of indexes.filter((entry) => !entry.primary && !BOOKKEEPING.has(entry.table))) {
    const table = shape[index.table];
    if (!table) continue;
    if (index.unique) table.uniques.push([...index.columns].sort().join(","));
    else table.indexes[index.index] = index.columns;
  }
  for (const table of Object.values(shape)) table.uniques.sort();
  return shape;
}

/** The same shape from the entities TypeORM maps (their metadata, built when the store opened). */
export function entityShape(db: Database): SchemaShape {
  const shape: SchemaShape = {};
  for (const entity of db.dataSource.entityMetadatas) {
    const columns: Record<string, ColumnShape> = {};
    for (const column of entity.columns) {
      columns[column.databaseName] = {
        type: String(column.type).toLowerCase(),
        nullable: column.isNullable,
        primary: column.isPrimary,
      };
    }
    const indexes: Record<string, string[]> = {};
    const uniques: string[] = [];
    for (const index of entity.indices) {
      const names = index.columns.map((column) => column.databaseName);
      if (index.isUnique) uniques.push([...names].sort().join(","));
      else indexes[index.name] = names;
    }
    for (const unique of entity.uniques)
      uniques.push(
        unique.columns
          .map((column) => column.databaseName)
          .sort()
          .join(","),
      );
    shape[entity.tableName] = { columns, indexes, uniques: uniques.sort() };
  }
  return shape;
}

/**
 * A normalised SQL dump of the schema as the database reports it: one statement per table and index, sorted by
 * name, whitespace collapsed. Committed as schema/<dialect>.sql so a schema change shows up in review.
 */
export async function schemaDump(db: Database): Promise<string> {
  const statements =
    db.dialect === "postgres"
      ? await postgresStatements(db)
      : (
          await db.query<{ sql: string }>(
            `SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND tbl_name <> 'migrations'
              ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, name`,
          )
        ).map((row) => row.sql);
  const header = `-- hubql schema on ${db.dialect}, as its migrations leave it. Generated by \`npm run schema:dump\`; do not edit.\n`;
  return `${header}${statements.map((sql) => `${sql.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")").trim()};`).join("\n")}\n`;
}

async function postgresStatements(db: Database): Promise<string[]> {
  const tables = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
  );
  const statements: string[] = [];
  for (const { name } of tables) {
    const columns = await db.query<{ definition: string }>(
      `SELECT format('%I %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                     CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                     CASE WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid)
                          WHEN a.attidentity = 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END) AS "definition"
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = format('public.%I', CAST(:table AS text))::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      { table: name },
    );
    const constraints = await db.query<{ definition: string }>(
      `SELECT format('CONSTRAINT %I %s', conname, pg_get_constraintdef(oid)) AS "definition" FROM pg_constraint
        WHERE conrelid = format('public.%I', CAST(:table AS text))::regclass AND contype <> 'n' ORDER BY conname`,
      { table: name },
    );
    const body = [...columns, ...constraints].map((row) => row.definition).join(", ");
    statements.push(`CREATE TABLE "${name}" (${body})`);
  }
  const indexes = await db.query<{ definition: string }>(
    `SELECT indexdef AS "definition" FROM pg_indexes i WHERE schemaname = 'public' AND tablename <> 'migrations'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY indexname`,
  );
  return [...statements, ...indexes.map((row) => row.definition)];
}
