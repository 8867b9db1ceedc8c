// @ts-check
/**
 * hubql's own ESLint rules for the layer map of ARCHITECTURE.md:
 *
 * - `hubql/layers`: an import from `src/` may only point down the map (LAYERS below, listed bottom first with what
 *   each may import). Anything else is an upward or sideways import and an error.
 * - `hubql/no-cycles`: no import cycle between files, and none between folders (a folder imports another when one of
 *   its files imports a file of the other). Cycles are found once per lint run over every `src/**\/*.ts` file.
 *
 * Written here rather than taken from a plugin: the two checks are a page of code and need nothing else.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Bottom first. `may` lists the layers a layer may import (its own files always may import each other). */
export const LAYERS = [
  { name: "base", files: ["config.ts", "logger.ts", "principal.ts"], may: [] },
  { name: "dialect", dir: "dialect", may: [] },
  { name: "errors", dir: "errors", may: ["dialect"] },
  { name: "db", dir: "db", may: ["base", "dialect", "errors"] },
  { name: "filter", dir: "filter", may: ["base", "dialect", "errors"] },
  { name: "services/sql", dir: "services/sql", may: ["base", "dialect", "errors", "db", "filter"] },
  { name: "services", dir: "services", may: ["base", "dialect", "errors", "db", "filter", "services/sql"] },
  { name: "graphql", dir: "graphql", may: ["base", "dialect", "errors", "services"] },
  { name: "server", dir: "server", may: ["base", "dialect", "errors", "db", "services", "graphql"] },
  { name: "cli", dir: "cli", may: ["base", "dialect", "errors", "db", "services"] },
];

/** The repository root: this file sits in <root>/eslint/, whatever folder ESLint runs from. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SRC = join(ROOT, "src");

/** The layer of a file under src/ (the most specific folder wins), or null outside src/. */
export function layerOf(file) {
  const path = relative(SRC, file).split(sep).join("/");
  if (path.startsWith("..")) return null;
  let found = null;
  for (const layer of LAYERS) {
    if (layer.files?.includes(path)) return layer;
    if (layer.dir && path.startsWith(`${layer.dir}/`) && (!found || layer.dir.length > (found.dir?.length ?? 0))) {
      found = layer;
    }
  }
  return found;
}

function resolveImport(from, specifier) {
  if (!specifier.startsWith(".")) return null;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, `${base}.mts`, join(base, "index.ts"), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

function importSources(node) {
  if ((node.type === "ImportDeclaration" || node.type === "ExportAllDeclaration") && node.source) return node.source;
  if (node.type === "ExportNamedDeclaration" && node.source) return node.source;
  if (node.type === "ImportExpression" && node.source.type === "Literal") return node.source;
  return null;
}

const layers = {
  meta: { type: "problem", schema: [], docs: { description: "imports point only down the layer map" } },
  create(context) {
    const from = layerOf(context.filename);
    if (!from) return {};
    const check = (node) => {
      const source = importSources(node);
      if (!source || typeof source.value !== "string") return;
      const target = resolveImport(context.filename, source.value);
      if (!target) return;
      const to = layerOf(target);
      if (!to || to === from || from.may.includes(to.name)) return;
      context.report({
        node: source,
        message: `${from.name} may not import ${to.name} ('${source.value}'): imports point only down the layer map (ARCHITECTURE.md)`,
      });
    };
    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
    };
  },
};

// ------------------------------------------------------------------------------------------------ cycles

const IMPORT_PATTERN =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|(?:^|\n)\s*import\s+["']([^"']+)["']/g;

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.m?ts$/.test(entry.name) ? [path] : [];
  });
}

/** Strongly connected components with more than one node (Tarjan), as a node → component id map. */
function cyclicComponents(graph) {
  let index = 0;
  const indexes = new Map();
  const lows = new Map();
  const stack = [];
  const onStack = new Set();
  const component = new Map();
  let components = 0;
  const visit = (node) => {
    indexes.set(node, index);
    lows.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexes.has(next)) {
        visit(next);
        lows.set(node, Math.min(lows.get(node), lows.get(next)));
      } else if (onStack.has(next)) {
        lows.set(node, Math.min(lows.get(node), indexes.get(next)));
      }
    }
    if (lows.get(node) === indexes.get(node)) {
      const members = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        members.push(member);
      } while (member !== node);
      if (members.length > 1) {
        components++;
        for (const m of members) component.set(m, components);
      }
    }
  };
  for (const node of graph.keys()) if (!indexes.has(node)) visit(node);
  return component;
}

let cached = null;

/** Every src file's relative imports, and the file and folder components that form cycles. */
function importGraph() {
  if (cached) return cached;
  const files = new Map();
  const folders = new Map();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    const targets = new Set();
    for (const match of text.matchAll(IMPORT_PATTERN)) {
      const target = resolveImport(file, match[1] ?? match[2] ?? "");
      if (target && target.startsWith(SRC)) targets.add(target);
    }
    files.set(file, targets);
    const folder = dirname(file);
    const out = folders.get(folder) ?? new Set();
    for (const target of targets) if (dirname(target) !== folder) out.add(dirname(target));
    folders.set(folder, out);
  }
  for (const targets of files.values())
    for (const target of targets) if (!folders.has(dirname(target))) folders.set(dirname(target), new Set());
  cached = { fileCycles: cyclicComponents(files), folderCycles: cyclicComponents(folders) };
  return cached;
}

const noCycles = {
  meta: { type: "problem", schema: [], docs: { description: "no import cycle between files or folders" } },
  create(context) {
    if (!layerOf(context.filename) && !context.filename.startsWith(SRC)) return {};
    const check = (node) => {
      const source = importSources(node);
      if (!source || typeof source.value !== "string") return;
      const target = resolveImport(context.filename, source.value);
      if (!target || !target.startsWith(SRC)) return;
      const { fileCycles, folderCycles } = importGraph();
      const here = fileCycles.get(context.filename);
      if (here !== undefined && fileCycles.get(target) === here) {
        context.report({
          node: source,
          message: `import cycle: '${source.value}' imports this file back (directly or through others)`,
        });
        return;
      }
      const folder = dirname(context.filename);
      const cycle = folderCycles.get(folder);
      if (dirname(target) !== folder && cycle !== undefined && folderCycles.get(dirname(target)) === cycle) {
        context.report({
          node: source,
          message: `folder cycle: ${relative(SRC, dirname(target)) || "src"}/ imports ${relative(SRC, folder) || "src"}/ back (directly or through other folders)`,
        });
      }
    };
    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { layers, "no-cycles": noCycles } };
