/**
 * The `{ __typename }` row's reference: @apollo/server as its documentation sets it up, with hubql's schema, no
 * plugins, behind plain node:http — what hubql would cost if it added nothing. Prints where it listens as hubql
 * does, for scripts/bench/servers.ts.
 *
 * With `BARE_APOLLO_PAGE` (a `taskRecords` answer as JSON), `taskRecords` answers that page from memory whatever its
 * arguments: the SQLite list's GraphQL floor (read-rows.ts, `graphqlFloorRow`). Its values pass through hubql's own
 * scalars (DateTime, JSONObject) as hubql's answers do.
 */
import "reflect-metadata";

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { ApolloServer, HeaderMap } from "@apollo/server";

import { buildHubqlSchema } from "../../src/graphql/schema";

async function main(): Promise<void> {
  const schema = await buildHubqlSchema();
  const page = process.env["BARE_APOLLO_PAGE"];
  if (page) {
    const answer: unknown = JSON.parse(page);
    const field = schema.getQueryType()?.getFields()["taskRecords"];
    if (!field) throw new Error("the schema has no Query.taskRecords");
    field.resolve = () => answer;
  }
  const apollo = new ApolloServer({ schema });
  await apollo.start();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value);
      }
      const raw = Buffer.concat(chunks).toString("utf8");
      apollo
        .executeHTTPGraphQLRequest({
          httpGraphQLRequest: {
            method: req.method ?? "GET",
            headers,
            search: new URL(req.url ?? "/", "http://localhost").search,
            body: raw ? JSON.parse(raw) : undefined,
          },
          context: async () => ({}),
        })
        .then((response) => {
          for (const [name, value] of response.headers) res.setHeader(name, value);
          res.statusCode = response.status ?? 200;
          res.end(response.body.kind === "complete" ? response.body.string : "");
        })
        .catch(() => {
          res.statusCode = 500;
          res.end();
        });
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ graphql: `http://127.0.0.1:${port}/graphql` }));
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
