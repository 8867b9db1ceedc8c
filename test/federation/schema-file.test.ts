/**
 * The committed schema/schema.graphql is the code's subgraph SDL (clients and supergraph builds read the file, so
 * it must never drift), it declares hubql's entity keys, and clients see through it exactly the API that a
 * supergraph of hubql serves.
 */
import { composeServices } from "@apollo/composition";
import { buildASTSchema, lexicographicSortSchema, parse, printSchema } from "graphql";
import { describe, expect, it } from "vitest";

import { readSchemaFile, renderSchemaFile, SCHEMA_FILE } from "../../scripts/schema-file";
import { FEDERATION_URL } from "../../src/graphql/schema";

/** The natural ids each entity type is keyed on (DESIGN.md: API); no other type is an entity. */
const EXPECTED_KEYS: Record<string, string[]> = {
  TaskRecord: ["msgId"],
  Flow: ["uuid"],
  Job: ["dbId", "uuid index"],
  QueueEntry: ["id"],
  JobType: ["id"],
  ScaleJob: ["id"],
};

describe(SCHEMA_FILE, () => {
  it("is what `npm run schema:emit` writes from the code now", async () => {
    const expected = await renderSchemaFile();
    // toBe diffs line by line; on failure run `npm run schema:emit` and commit.
    expect(readSchemaFile(), `${SCHEMA_FILE} is stale: run npm run schema:emit`).toBe(expected);
  });

  it("links Federation 2 and keys every entity type on its natural id", () => {
    const sdl = readSchemaFile();
    expect(sdl).toContain(`@link(url: "${FEDERATION_URL}"`);
    const document = parse(sdl);
    const keys = new Map<string, string[]>();
    for (const definition of document.definitions) {
      if (definition.kind !== "ObjectTypeDefinition") continue;
      const fields = (definition.directives ?? [])
        .filter((directive) => directive.name.value === "key")
        .map((directive) => {
          const argument = directive.arguments?.find((arg) => arg.name.value === "fields");
          return argument?.value.kind === "StringValue" ? argument.value.value : "";
        });
      if (fields.length > 0) keys.set(definition.name.value, fields);
    }
    expect(Object.fromEntries(keys)).toEqual(EXPECTED_KEYS);
  });

  it("gives codegen the same client API that a supergraph of hubql serves", () => {
    const sdl = readSchemaFile();
    const composition = composeServices([{ name: "hubql", url: "http://hubql.invalid/graphql", typeDefs: parse(sdl) }]);
    expect(composition.errors ?? []).toEqual([]);
    const served = composition.schema!.toAPISchema().toGraphQLJSSchema();
    // Codegen builds its schema from the file as plain SDL; federation directive uses carry no client meaning.
    const readByCodegen = buildASTSchema(parse(sdl), { assumeValidSDL: true });
    expect(printSchema(lexicographicSortSchema(readByCodegen))).toBe(printSchema(lexicographicSortSchema(served)));
  });
});
