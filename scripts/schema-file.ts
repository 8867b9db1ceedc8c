import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import { printSubgraphSchema } from "@apollo/subgraph";

import { buildHubqlSchema } from "../src/graphql/schema";

/** The committed subgraph SDL: what supergraph builds compose and what codegen reads (DESIGN.md: API). */
export const SCHEMA_FILE = "schema/schema.graphql";

const HEADER = "# Generated from the code by `npm run schema:emit` (scripts/emit-schema.ts). Do not edit.\n\n";

/** The file's content as the code defines it now: hubql's subgraph SDL with its federation directives. */
export async function renderSchemaFile(): Promise<string> {
  return `${HEADER}${printSubgraphSchema(await buildHubqlSchema())}\n`;
}

/** The file as committed (paths are relative to the repository root, where npm scripts and vitest run). */
export function readSchemaFile(): string {
  return readFileSync(resolve(SCHEMA_FILE), "utf8");
}
