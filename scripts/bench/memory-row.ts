import type { BenchContext } from "./context";
import { graphqlOperation } from "./http-client";
import { saturate } from "./measure";
import { LIST_QUERY, NESTED_QUERY } from "./read-rows";
import { listFilter } from "./dataset";
import type { Row } from "./row";
import { startHubql } from "./servers";

export const MEMORY_CLIENTS = 64;

/** Peak RSS of a fresh hubql while 64 clients alternate the list and nested reads. */
export async function memoryRow(ctx: BenchContext): Promise<Row> {
  const server = await startHubql(ctx.databaseUrl);
  try {
    const list = graphqlOperation(server.url, LIST_QUERY, { f: listFilter(ctx.records) });
    const nested = graphqlOperation(server.url, NESTED_QUERY);
    let turn = 0;
    await saturate(() => (turn++ % 2 === 0 ? list() : nested()), MEMORY_CLIENTS, ctx.seconds);
    const mib = server.peakRssMiB();
    return {
      work: `peak RSS, ${MEMORY_CLIENTS} clients (list and nested reads)`,
      store: ctx.store,
      hubql: { mib: mib ?? undefined },
      reference: null,
      measure: { name: "MiB", value: mib },
      target: { op: "≤", value: 250 },
      note: "PostGraphile's: see README",
    };
  } finally {
    await server.stop();
  }
}
