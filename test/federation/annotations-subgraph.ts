/**
 * A second, independent subgraph for the composition test: people's review notes on hubql's entities. It owns
 * `notes` on `TaskRecord` and `Job` and a review queue of task references, so supergraph queries cross hubql in
 * both directions: hubql's records → their notes here, and references from here → hubql's `_entities`.
 * SDL-first, in memory: it stands for any team's subgraph, not for hubql's own code.
 */
import { buildSubgraphSchema } from "@apollo/subgraph";
import { type DocumentNode, type GraphQLSchema, parse } from "graphql";

import { FEDERATION_URL } from "../../src/graphql/schema";

export interface AnnotationsSubgraph {
  readonly name: "annotations";
  readonly typeDefs: DocumentNode;
  readonly schema: GraphQLSchema;
  /** Task msgIds in the order reviewers queued them (may name tasks hubql does not have). */
  readonly reviewQueue: string[];
}

export function createAnnotationsSubgraph(): AnnotationsSubgraph {
  const notes = new Map<string, string[]>();
  const reviewQueue: string[] = [];
  const notesOf = (typeName: string, id: unknown) => notes.get(`${typeName}:${String(id)}`) ?? [];
  // Keys as hubql declares them (DESIGN.md: API); a different key would still compose, as a second entity key.
  const typeDefs = parse(`
    extend schema @link(url: "${FEDERATION_URL}", import: ["@key"])
    type Query {
      "Tasks queued for review, in queue order; hubql resolves every other field."
      reviewQueue: [TaskRecord]!
    }
    type Mutation {
      "Adds a note; returns how many the entity has."
      annotate(typeName: String!, id: ID!, note: String!): Int!
    }
    type TaskRecord @key(fields: "msgId") {
      msgId: ID!
      "Reviewers' notes, oldest first."
      notes: [String!]!
    }
    type Job @key(fields: "dbId") {
      dbId: ID!
      notes: [String!]!
    }
  `);
  const schema = buildSubgraphSchema([
    {
      typeDefs,
      resolvers: {
        Query: { reviewQueue: () => reviewQueue.map((msgId) => ({ __typename: "TaskRecord", msgId })) },
        Mutation: {
          annotate: (_: unknown, args: { typeName: string; id: string; note: string }) => {
            const list = [...notesOf(args.typeName, args.id), args.note];
            notes.set(`${args.typeName}:${args.id}`, list);
            return list.length;
          },
        },
        TaskRecord: { notes: (parent: { msgId: string }) => notesOf("TaskRecord", parent.msgId) },
        Job: { notes: (parent: { dbId: string }) => notesOf("Job", parent.dbId) },
      },
    },
  ]);
  return { name: "annotations", typeDefs, schema, reviewQueue };
}
