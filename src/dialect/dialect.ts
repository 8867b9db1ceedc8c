/** The SQL databases hubql stores in. Filter compilation, column types and value codecs differ per dialect. */
export type Dialect = "sqlite" | "postgres";

export const DIALECTS: readonly Dialect[] = ["sqlite", "postgres"];
