import { RowCodec } from "../../db/row-codec";
import { instantNow } from "../../dialect";
import {
  aliased,
  and,
  type Condition,
  type Connection,
  countRows,
  inList,
  query,
  queryPage,
  readFields,
  rowsByKey,
  selectList,
  selectRows,
  sqlCondition,
  TRUE,
  type SortKey,
  TABLES,
  type TableName,
} from "../sql";
import {
  BATCH_PROCESS_CATALOGUE,
  FLOW_CORE_FIELDS,
  FLOW_LOADER_FIELDS,
  type FlowNode,
  type FlowQuery,
  type FlowRow,
  type FlowSortField,
  JOB_CORE_FIELDS,
  JOB_LOADER_FIELDS,
  type JOB_TEXT_FIELDS,
  type JobNode,
  type JobQuery,
  type JobRow,
  type JobSortField,
  type Order,
} from "./jobflow.model";
import { jobKey, spliceFlowDocument } from "./flow-document";
import { flowCondition, flowSortKeys, jobCondition, jobSortKeys, prepareFlowFilter, prepareJobFilter } from "./query";
import { FLOW_STATES, JOB_STATES } from "./states";
import type { JobflowStore } from "./store";

export interface ListArgs<F extends string, Q, R> {
  readonly filter?: unknown;
  readonly query?: Q | null;
  readonly orderBy?: readonly Order<F>[] | null;
  readonly first?: number | null;
  readonly after?: string | null;
  /** Properties to read besides the core ones; all when omitted. */
  readonly fields?: readonly (keyof R)[];
}

/**
 * Column pruning for the relation readers: which job properties a read needs. Lists pass the selection; the
 * loaders read every column but the exact-text ones (one loader serves every selection of a request; documents
 * and outputs are read on their own, only when selected: `jobTexts`).
 */
export type JobFields = readonly (keyof JobRow)[] | undefined;

/** Every read of flows and jobs: lists, counts, and the batched lookups behind loaders and relation fields. */
export class JobflowReads {
  private readonly batchProcessCodec: RowCodec;

  constructor(private readonly store: JobflowStore) {
    this.batchProcessCodec = new RowCodec(BATCH_PROCESS_CATALOGUE, store.ctx.dialect);
  }

  async listJobs(args: ListArgs<JobSortField, JobQuery, JobRow>): Promise<Connection<JobNode>> {
    const keys = jobSortKeys(this.store.jobs, args.orderBy);
    return this.page(TABLES.jobs, this.store.jobs, JOB_CORE_FIELDS, this.jobs(args.filter, args.query), keys, args);
  }

  async listFlows(args: ListArgs<FlowSortField, FlowQuery, FlowRow>): Promise<Connection<FlowNode>> {
    const keys = flowSortKeys(this.store.flows, args.orderBy);
    return this.page(TABLES.flows, this.store.flows, FLOW_CORE_FIELDS, this.flows(args.filter, args.query), keys, args);
  }

  private page<T extends object>(
    table: TableName,
    codec: RowCodec,
    core: readonly string[],
    where: Condition,
    keys: SortKey[],
    args: { first?: number | null; after?: string | null; fields?: readonly PropertyKey[] },
  ): Promise<Connection<T>> {
    const fields = readFields(codec, args.fields as readonly string[] | undefined, core);
    const page = { first: args.first, after: args.after, limits: this.store.ctx.limits };
    return queryPage<T>(this.store.db, { table, codec, fields, where, keys, ...page });
  }

  countJobs(filter: unknown, query?: JobQuery | null): Promise<number> {
    return countRows(this.store.db, TABLES.jobs, this.jobs(filter, query));
  }

  countFlows(filter: unknown, query?: FlowQuery | null): Promise<number> {
    return countRows(this.store.db, TABLES.flows, this.flows(filter, query));
  }

  /** count_jobs_states / flows per state (scenario 28): every state listed, zero included, one GROUP BY. */
  async jobStateCounts(filter: unknown, query?: JobQuery | null): Promise<{ state: string; count: number }[]> {
    return this.stateCounts(TABLES.jobs, this.jobs(filter, query), JOB_STATES);
  }

  async flowStateCounts(filter: unknown, query?: FlowQuery | null): Promise<{ state: string; count: number }[]> {
    return this.stateCounts(TABLES.flows, this.flows(filter, query), FLOW_STATES);
  }

  /** Jobs by db id, in the order asked (null where unknown); one statement. */
  async jobsByDbId(dbIds: readonly string[], fields?: JobFields): Promise<(JobNode | null)[]> {
    return rowsByKey<JobNode, string>(this.store.db, {
      table: TABLES.jobs,
      codec: this.store.jobs,
      property: "dbId",
      keys: dbIds,
      fields: readFields(this.store.jobs, fields ?? JOB_LOADER_FIELDS, JOB_CORE_FIELDS),
    });
  }

  /** Jobs by (uuid, index); a null index means the highest index (§5). One statement. */
  async jobsByUuidIndex(
    keys: readonly { uuid: string; index: number | null }[],
    fields?: JobFields,
  ): Promise<(JobNode | null)[]> {
    if (keys.length === 0) return [];
    const rows = await this.selectJobs(
      inList(
        `t."uuid"`,
        keys.map((key) => key.uuid),
      ),
      fields,
    );
    return keys.map(({ uuid, index }) => {
      const candidates = rows.filter((row) => row.uuid === uuid && (index === null || row.index === index));
      return candidates.reduce<JobNode | null>((best, row) => (!best || row.index > best.index ? row : best), null);
    });
  }

  async flowsByUuid(uuids: readonly string[], fields?: readonly (keyof FlowRow)[]): Promise<(FlowNode | null)[]> {
    return rowsByKey<FlowNode, string>(this.store.db, {
      table: TABLES.flows,
      codec: this.store.flows,
      property: "uuid",
      keys: uuids,
      fields: readFields(this.store.flows, fields ?? FLOW_LOADER_FIELDS, FLOW_CORE_FIELDS),
    });
  }

  /** One exact-text column (a job's document or output) of each job, by db id; one statement. */
  async jobTexts(dbIds: readonly string[], property: (typeof JOB_TEXT_FIELDS)[number]): Promise<(string | null)[]> {
    const rows = await rowsByKey<Partial<JobRow>, string>(this.store.db, {
      table: TABLES.jobs,
      codec: this.store.jobs,
      property: "dbId",
      keys: dbIds,
      fields: ["dbId", property],
    });
    return rows.map((row) => row?.[property] ?? null);
  }

  /**
   * Each flow's document (FlowInput.documentJson) with every placeholder replaced by its job's stored text; null for a flow without
   * one. Two statements for any number of flows: the documents, then the documents of the jobs they name.
   */
  async flowDocuments(uuids: readonly string[]): Promise<(string | null)[]> {
    const flows = await rowsByKey<Pick<FlowRow, "uuid" | "documentJson">, string>(this.store.db, {
      table: TABLES.flows,
      codec: this.store.flows,
      property: "uuid",
      keys: uuids,
      fields: ["uuid", "documentJson"],
    });
    const withDocument = flows.flatMap((flow) => (flow?.documentJson ? [flow.uuid] : []));
    const jobs =
      withDocument.length === 0
        ? []
        : await selectRows<Pick<JobRow, "uuid" | "index" | "documentJson">>(this.store.db, {
            table: TABLES.jobs,
            codec: this.store.jobs,
            fields: ["uuid", "index", "documentJson"],
            where: and(
              inList(`t."flow_uuid"`, withDocument),
              sqlCondition(() => `t."document" IS NOT NULL`),
            ),
          });
    const texts = new Map<string, string>();
    for (const job of jobs) if (job.documentJson !== null) texts.set(jobKey(job.uuid, job.index), job.documentJson);
    return flows.map((flow) => (flow?.documentJson ? spliceFlowDocument(flow.documentJson, texts) : null));
  }

  /** Every job row of each flow (all indexes), by db id; one statement for any number of flows. */
  async jobsOfFlows(flowUuids: readonly string[], fields?: JobFields): Promise<JobNode[][]> {
    if (flowUuids.length === 0) return [];
    const rows = await this.selectJobs(inList(`t."flow_uuid"`, flowUuids), fields);
    return flowUuids.map((uuid) => rows.filter((row) => row.flowUuid === uuid));
  }

  /** Parent jobs (every index of every parent uuid) of each job; one join. */
  async parentsOf(dbIds: readonly string[], fields?: JobFields): Promise<JobNode[][]> {
    return this.related(
      dbIds,
      (ids) => `JOIN "${TABLES.jobs}" t ON t."uuid" = p."parent_uuid" WHERE p."child_db_id" IN (${ids})`,
      `p."child_db_id"`,
      fields,
    );
  }

  /** Child jobs of each job: rows that name its uuid as a parent; one join. */
  async childrenOf(dbIds: readonly string[], fields?: JobFields): Promise<JobNode[][]> {
    return this.related(
      dbIds,
      (ids) =>
        `JOIN "${TABLES.jobs}" t ON t."db_id" = p."child_db_id" JOIN "${TABLES.jobs}" o ON o."uuid" = p."parent_uuid" WHERE o."db_id" IN (${ids})`,
      `o."db_id"`,
      fields,
    );
  }

  /** Batch processes per worker (§6.16): `{worker: {processId: processUuid}}` limited to one worker when given. */
  async batchProcesses(worker?: string | null): Promise<{ worker: string; processId: string; processUuid: string }[]> {
    return selectRows(this.store.db, {
      table: TABLES.batchProcesses,
      codec: this.batchProcessCodec,
      where: worker ? sqlCondition((q) => `t."worker" = ${q.bind(worker)}`) : TRUE,
      orderBy: `t."worker", t."process_id"`,
    });
  }

  private jobs(filter: unknown, named: JobQuery | null | undefined): Condition {
    return jobCondition(this.store.ctx, prepareJobFilter(this.store.ctx, filter), named, instantNow());
  }

  private flows(filter: unknown, named: FlowQuery | null | undefined): Condition {
    return flowCondition(this.store.ctx, prepareFlowFilter(this.store.ctx, filter), named, instantNow());
  }

  private async related(
    dbIds: readonly string[],
    join: (ids: string) => string,
    keyColumn: string,
    fields: JobFields,
  ): Promise<JobNode[][]> {
    if (dbIds.length === 0) return [];
    const columns = selectList(
      this.store.jobs,
      readFields(this.store.jobs, fields ?? JOB_LOADER_FIELDS, JOB_CORE_FIELDS),
    );
    const rows = await query(
      this.store.db,
      (q) =>
        `SELECT ${keyColumn} AS "__key", ${columns} FROM "${TABLES.jobParents}" p ${join(q.list(dbIds))} ORDER BY t."db_seq"`,
    );
    const byKey = new Map<string, JobNode[]>();
    for (const row of rows) {
      const key = row["__key"] as string;
      const list = byKey.get(key) ?? [];
      list.push(this.store.jobs.decode<JobNode>(row));
      byKey.set(key, list);
    }
    return dbIds.map((id) => byKey.get(id) ?? []);
  }

  private async selectJobs(where: Condition, fields: JobFields): Promise<JobNode[]> {
    return selectRows<JobNode>(this.store.db, {
      table: TABLES.jobs,
      codec: this.store.jobs,
      fields: readFields(this.store.jobs, fields ?? JOB_LOADER_FIELDS, JOB_CORE_FIELDS),
      where,
      orderBy: `t."db_seq"`,
    });
  }

  private async stateCounts(table: TableName, where: Condition, states: readonly string[]) {
    const rows = await query<{ state: string; n: number | string }>(
      this.store.db,
      (q) =>
        `SELECT t."state" AS "state", COUNT(*) AS "n" FROM ${aliased(table)} WHERE ${where.toSql(q)} GROUP BY t."state"`,
    );
    const counts = new Map(rows.map((row) => [row.state, Number(row.n)]));
    return states.map((state) => ({ state, count: counts.get(state) ?? 0 }));
  }
}
