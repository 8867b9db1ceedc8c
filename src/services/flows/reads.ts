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
  FLOW_LOADER_FIELDS,
  type FlowNode,
  type FlowQuery,
  type FlowRow,
  type FlowSortField,
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

export interface ListArgs<F extends string, Q> {
  readonly filter?: unknown;
  readonly query?: Q | null;
  readonly orderBy?: readonly Order<F>[] | null;
  readonly first?: number | null;
  readonly after?: string | null;
  /** Properties to read besides the key and the sort keys (unknown names are ignored); all when omitted. */
  readonly fields?: readonly string[];
}

/**
 * Column pruning: the job properties a read needs besides its own keys (every column but the exact-text ones when
 * undefined). Lists, loaders and `_entities` pass what the request's selection needs, so a relation asked only for
 * keys reads keys.
 */
export type JobFields = readonly string[] | undefined;

/** Every read of flows and jobs: lists, counts, and the batched lookups behind loaders and relation fields. */
export class JobflowReads {
  private readonly batchProcessCodec: RowCodec;

  constructor(private readonly store: JobflowStore) {
    this.batchProcessCodec = new RowCodec(BATCH_PROCESS_CATALOGUE, store.ctx.dialect);
  }

  async listJobs(args: ListArgs<JobSortField, JobQuery>): Promise<Connection<JobNode>> {
    const keys = jobSortKeys(this.store.jobs, args.orderBy);
    return this.page(TABLES.jobs, this.store.jobs, ["dbId"], this.jobs(args.filter, args.query), keys, args);
  }

  async listFlows(args: ListArgs<FlowSortField, FlowQuery>): Promise<Connection<FlowNode>> {
    const keys = flowSortKeys(this.store.flows, args.orderBy);
    return this.page(TABLES.flows, this.store.flows, ["uuid"], this.flows(args.filter, args.query), keys, args);
  }

  private page<T extends object>(
    table: TableName,
    codec: RowCodec,
    identity: readonly string[],
    where: Condition,
    keys: SortKey[],
    args: { first?: number | null; after?: string | null; fields?: readonly string[] },
  ): Promise<Connection<T>> {
    const always = [...identity, ...keys.map((key) => key.property)];
    const fields = readFields(codec, args.fields, always);
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
      fields: this.jobFields(fields, ["dbId"]),
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
      this.jobFields(fields, ["dbId", "uuid", "index"]),
    );
    return keys.map(({ uuid, index }) => {
      const candidates = rows.filter((row) => row.uuid === uuid && (index === null || row.index === index));
      return candidates.reduce<JobNode | null>(
        (best, row) => (!best || (row.index ?? 0) > (best.index ?? 0) ? row : best),
        null,
      );
    });
  }

  async flowsByUuid(uuids: readonly string[], fields?: readonly string[]): Promise<(FlowNode | null)[]> {
    return rowsByKey<FlowNode, string>(this.store.db, {
      table: TABLES.flows,
      codec: this.store.flows,
      property: "uuid",
      keys: uuids,
      fields: readFields(this.store.flows, fields ?? FLOW_LOADER_FIELDS, ["uuid"]),
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
    const rows = await this.selectJobs(
      inList(`t."flow_uuid"`, flowUuids),
      this.jobFields(fields, ["dbId", "flowUuid"]),
    );
    const byFlow = groupBy(rows, (row) => row.flowUuid as string);
    return flowUuids.map((uuid) => byFlow.get(uuid) ?? []);
  }

  /**
   * Parents (every index of every parent uuid) of the jobs `of.parents` names by db id, and children (rows that
   * name the uuid as a parent) of those `of.children` names by uuid, in ONE statement, each list by db id: a level of
   * a nested read costs one statement, both relations included, reading only the columns asked for. The relation is
   * a number and the order key stays in SQL: every value a driver hands back as text costs a string per row.
   */
  async relatives(
    of: { readonly parents?: readonly string[]; readonly children?: readonly string[] },
    fields?: JobFields,
  ): Promise<{ parents: JobNode[][]; children: JobNode[][] }> {
    const parents = of.parents ?? [];
    const children = of.children ?? [];
    if (parents.length === 0 && children.length === 0) return { parents: [], children: [] };
    const wanted = this.jobFields(fields, ["dbId"]);
    const columns = selectList(this.store.jobs, wanted);
    const output = ["__relation", "__key", ...wanted].map((name) => `u."${name}"`).join(", ");
    const rows = await query(this.store.db, (q) => {
      const parts: string[] = [];
      if (parents.length > 0) {
        parts.push(`SELECT 0 AS "__relation", p."child_db_id" AS "__key", t."db_seq" AS "__seq", ${columns}
          FROM "${TABLES.jobParents}" p JOIN "${TABLES.jobs}" t ON t."uuid" = p."parent_uuid"
          WHERE p."child_db_id" IN (${q.list(parents)})`);
      }
      if (children.length > 0) {
        parts.push(`SELECT 1 AS "__relation", p."parent_uuid" AS "__key", t."db_seq" AS "__seq", ${columns}
          FROM "${TABLES.jobParents}" p JOIN "${TABLES.jobs}" t ON t."db_id" = p."child_db_id"
          WHERE p."parent_uuid" IN (${q.list(children)})`);
      }
      return `SELECT ${output} FROM (${parts.join(" UNION ALL ")}) u ORDER BY u."__seq"`;
    });
    // The grouping columns stay on the decoded rows: GraphQL reads only its fields, and dropping them costs a copy.
    const byKey = [new Map<string, JobNode[]>(), new Map<string, JobNode[]>()];
    for (const raw of rows) {
      const row = this.store.jobs.decode<JobNode & { __relation: number; __key: string }>(raw);
      const groups = byKey[Number(row.__relation)] as Map<string, JobNode[]>;
      const group = groups.get(row.__key);
      if (group) group.push(row);
      else groups.set(row.__key, [row]);
    }
    const [parentsByKey, childrenByKey] = byKey as [Map<string, JobNode[]>, Map<string, JobNode[]>];
    return {
      parents: parents.map((key) => parentsByKey.get(key) ?? []),
      children: children.map((key) => childrenByKey.get(key) ?? []),
    };
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

  /** The job properties to read: those asked and `always`; every column but the exact-text ones when none are. */
  private jobFields(fields: JobFields, always: readonly string[]): string[] {
    return readFields(this.store.jobs, fields ?? JOB_LOADER_FIELDS, always);
  }

  private async selectJobs(where: Condition, fields: readonly string[]): Promise<JobNode[]> {
    return selectRows<JobNode>(this.store.db, {
      table: TABLES.jobs,
      codec: this.store.jobs,
      fields,
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

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}
