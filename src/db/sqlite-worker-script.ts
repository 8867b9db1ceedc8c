import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * The file a SQLite worker thread runs. Built code has `sqlite-worker.js` next to this file. Run from the TypeScript
 * sources (vitest), a worker thread cannot load `.ts`, so the worker's own files (sqlite-worker.ts and what it imports
 * relatively) are transpiled once per process with the `typescript` package (a dev dependency: only sources need
 * it) into `node_modules/.cache/hubql/sqlite-worker/<content hash>/`, where packages resolve as from the sources.
 */
let script: Promise<string> | undefined;

export function sqliteWorkerScript(): Promise<string> {
  const built = join(__dirname, "sqlite-worker.js");
  if (existsSync(built)) return Promise.resolve(built);
  return (script ??= transpiled(join(__dirname, "sqlite-worker.ts")));
}

async function transpiled(entry: string): Promise<string> {
  const ts = await import("typescript");
  const root = packageRoot(entry);
  const files = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const source = readFileSync(file, "utf8");
    files.set(file, source);
    for (const match of source.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
      const base = resolve(dirname(file), match[1] as string);
      visit(existsSync(`${base}.ts`) ? `${base}.ts` : join(base, "index.ts"));
    }
  };
  visit(entry);
  const hash = createHash("sha256");
  for (const [file, source] of files) hash.update(file).update(source);
  const out = join(root, "node_modules/.cache/hubql/sqlite-worker", hash.digest("hex").slice(0, 16));
  for (const [file, source] of files) {
    const target = join(out, relative(root, file)).replace(/\.ts$/, ".js");
    if (existsSync(target)) continue;
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    mkdirSync(dirname(target), { recursive: true });
    // Another test process may write the same file: write aside, then rename (atomic).
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, outputText);
    renameSync(temporary, target);
  }
  return join(out, relative(root, entry)).replace(/\.ts$/, ".js");
}

/** The nearest folder above `file` with a node_modules folder (the repository). */
function packageRoot(file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return dir;
  }
  throw new Error(`no node_modules above ${file}`);
}
