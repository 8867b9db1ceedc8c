/**
 * DATABASE_URL picks the store:
 * - `sqlite:<path>` (or `sqlite://<path>`, or a bare `*.db` path): a SQLite file, created on first start (WAL);
 * - `sqlite::memory:`: a throwaway store (IPython's DictDB);
 * - `postgres://…` / `postgresql://…`: Postgres, for teams and several gateway replicas;
 * - `none`: IPython's NoDB — writes are accepted and dropped, reads fail with NO_DATA.
 */
export type StoreLocation =
  | { readonly kind: "sqlite"; readonly path: string } // ":memory:" for the in-memory store
  | { readonly kind: "postgres"; readonly url: string }
  | { readonly kind: "none" };

export function parseDatabaseUrl(url: string): StoreLocation {
  const value = url.trim();
  if (value === "none") return { kind: "none" };
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: "postgres", url: value };
  if (value === "sqlite::memory:" || value === ":memory:") return { kind: "sqlite", path: ":memory:" };
  if (value.startsWith("sqlite://")) return { kind: "sqlite", path: value.slice("sqlite://".length) };
  if (value.startsWith("sqlite:")) return { kind: "sqlite", path: value.slice("sqlite:".length) };
  if (/\.(db|sqlite3?)$/.test(value)) return { kind: "sqlite", path: value };
  throw new Error(
    `DATABASE_URL '${redact(value)}' is not understood: use sqlite:<file>, sqlite::memory:, postgres://… or none`,
  );
}

/** The URL with any password replaced, for logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}
