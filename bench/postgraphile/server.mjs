/**
 * PostGraphile 5 + postgraphile-plugin-connection-filter on hubql's Postgres store, as compare.mjs starts it:
 * its own process (as hubql is), production mode, no GraphiQL, no watch, no explain. Tuned as issue 14 says: the
 * index its order needs and the computed columns are made by compare.mjs; here every statement is planned for its
 * values (`plan_cache_mode=force_custom_plan`: PostGraphile prepares its statements, and a generic plan for a
 * timestamp window is blind to how wide the window is), on a pool of 10 connections like hubql's.
 *
 *   DATABASE_URL=postgres://… node server.mjs      # prints {"graphql":"http://127.0.0.1:<port>/graphql"}
 */
import { createServer } from "node:http";
import process from "node:process";

import pg from "pg";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: 10,
  options: "-c plan_cache_mode=force_custom_plan",
});

const pgl = postgraphile({
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  pgServices: [makePgService({ pool, schemas: ["public"], pubsub: false })],
  grafserv: { graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
});

const server = createServer();
server.on("error", (error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
pgl.createServ(grafserv).addTo(server);
// Build the schema before saying where it listens: the first request would otherwise pay for introspection.
await pgl.getSchema();
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ graphql: `http://127.0.0.1:${server.address().port}/graphql` })}\n`);
});

const stop = () =>
  server.close(() =>
    pgl
      .release()
      .then(() => pool.end())
      .then(() => process.exit(0)),
  );
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
