/**
 * Readers while ingest goes over a retention limit (issue 14: reader p99 during purge, import and retention): a
 * second hubql on the same store with HUBQL_RETENTION_RECORD_LIMIT at what the store holds, so every batch culls the
 * oldest records inside the write that goes over (as the Hub's DictDB culls). The reference: the same readers with
 * nothing else running, just before. Runs before the purge (it removes the store's oldest records).
 */
import type { BenchContext } from "./context";
import { taskRecord } from "./dataset";
import { graphql } from "./http-client";
import { startReaders } from "./readers";
import type { Row } from "./row";
import { startHubql } from "./servers";
import { ingestPlan } from "./write-rows";

const INGEST = `mutation Ingest($r: [TaskRecordInput!]!) { addTaskRecords(records: $r) { msgId } }`;
const RETENTION_SALT = 303;

export async function retentionRow(ctx: BenchContext): Promise<Row> {
  const server = await startHubql(ctx.databaseUrl, { HUBQL_RETENTION_RECORD_LIMIT: String(ctx.records) });
  try {
    const { total, batch } = ingestPlan(ctx.records);
    let readers = startReaders(server.url);
    await new Promise((resolve) => setTimeout(resolve, Math.min(3000, ctx.seconds * 1000)));
    const idle = await readers.stop();
    readers = startReaders(server.url);
    for (let start = 0; start < total; start += batch) {
      const records = Array.from({ length: Math.min(batch, total - start) }, (_, k) =>
        taskRecord(start + k, RETENTION_SALT),
      );
      await graphql(server.url, INGEST, { r: records });
    }
    const during = await readers.stop();
    return {
      work: `readers (/healthz, a page of 10) while ${total.toLocaleString("en")} records are ingested over a retention limit, p99 ms`,
      store: ctx.store,
      hubql: { p50: during.p50, p99: during.p99 },
      reference: { name: "the same readers, nothing else running", p50: idle.p50, p99: idle.p99 },
      measure: { name: "p99 ms", value: during.p99 },
      target: { op: "<", value: 100 },
    };
  } finally {
    await server.stop();
  }
}
